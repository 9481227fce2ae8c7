"""an index for finding a school by name in any workspace

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:30:00

The command line finds a school by its name alone (no workspace); with thousands of
schools that lookup must not scan the table (the unique key leads with the workspace).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_school_name_key", "school", ["name_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_school_name_key", table_name="school")
