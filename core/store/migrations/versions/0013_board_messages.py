"""roll-call boards remembered

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 10:00:00

Where each school's roll-call board was last posted in each channel, and in which
language, so an import that changes today's stays redraws it in place. A table of its
own: ``slack_message`` holds a period's reports, and each of its period queries would
otherwise have to leave boards out. Boards posted before this migration are not known;
the next ``/kindertrack rollcall`` in a channel is.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "board_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("posted_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "channel_id", name="uq_board_message_school_channel"),
    )


def downgrade() -> None:
    op.drop_table("board_message")
