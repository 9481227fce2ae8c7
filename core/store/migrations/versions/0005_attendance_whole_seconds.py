"""attendance instants to the whole second

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 15:40:00

Reports read check-in and check-out as integer epoch seconds; a stored fraction of a
second would be dropped there but not elsewhere, so drop it here, once. This touches the
attendance of submitted (read-only) periods too, by less than a second and without an
audit entry: housekeeping, not an edit. What was sent to KinderTrack stays as sent, in
``submission.payload``.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        for column in ("check_in", "check_out"):
            op.execute(
                f"UPDATE attendance SET {column} = date_trunc('second', {column}) "
                f"WHERE {column} <> date_trunc('second', {column})"
            )
        return
    # SQLite keeps SQLAlchemy's text form, "YYYY-MM-DD HH:MM:SS.ffffff".
    for column in ("check_in", "check_out"):
        op.execute(
            f"UPDATE attendance SET {column} = substr({column}, 1, 19) || '.000000' "
            f"WHERE length({column}) > 19 AND substr({column}, 21) <> '000000'"
        )


def downgrade() -> None:
    """Nothing to undo: whole seconds are valid instants for the older code too."""
