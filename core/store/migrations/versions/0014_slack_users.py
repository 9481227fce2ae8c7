"""Slack users' DM channels and locales remembered

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 12:00:00

What ``conversations.open`` and ``users.info`` answered for each (workspace, user), so a
reminder pass in a fresh worker process posts each director's reminder with one Slack
call instead of three. Nothing is known at first: the next pass asks once per user.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("dm_channel", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=True),
        sa.Column("locale_checked_at", core.store.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "user_id", name="uq_slack_user"),
    )


def downgrade() -> None:
    op.drop_table("slack_user")
