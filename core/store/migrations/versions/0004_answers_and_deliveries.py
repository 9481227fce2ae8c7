"""submission answer, reminder delivery

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 14:15:17.142663
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivered_at", core.store.types.UTCDateTime(), nullable=True)
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("accepted", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("refused", sa.Text(), nullable=True))

    # Reminders sent before this migration were delivered: never send them again.
    op.execute("UPDATE reminder SET delivered_at = sent_at")


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("refused")
        batch_op.drop_column("accepted")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("delivered_at")
