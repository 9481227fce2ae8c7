"""user language preference, language of remembered messages

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00

``user_preference.language`` is the ``/kindertrack language es|en`` override of the
locale Slack reports; ``slack_message.locale`` keeps a remembered message in the language
it was posted in when a worker updates it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("updated_at", core.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "user_id", name="uq_user_preference"),
    )
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.drop_column("locale")
    op.drop_table("user_preference")
