"""directors, channel schools, slack messages, reminder channel

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 13:22:25.395278
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", name="uq_channel_school"),
    )
    op.create_table(
        "director",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.Column("added_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "user_id", name="uq_director_school_user"),
    )
    op.create_table(
        "slack_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_slack_message_subject", ["school_id", "period_start", "period_end"], unique=False
        )

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminder_channel", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("reminder_channel")

    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_message_subject")

    op.drop_table("slack_message")
    op.drop_table("director")
    op.drop_table("channel_school")
