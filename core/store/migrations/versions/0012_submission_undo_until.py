"""submission undo window on the row

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 02:45:00

Until when an approval may be withdrawn, stored with it: the operator's `rollcall submit
--yes` has no window, so the sweep re-drives it at once when its queued message was lost
(before, the sweep waited out a Slack approval's window for every approval). Rows approved
before this migration have no window left to keep.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("undo_until", core.store.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("undo_until")
