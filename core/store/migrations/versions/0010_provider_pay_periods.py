"""the provider's own pay periods, cached

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:40:00

Each registered school's billing periods as KinderTrack lists them (biweekly or monthly),
and which range of them was last asked for and when. Schools registered before this
migration have none cached: the first report or reminder asks KinderTrack.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pay_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "start", "end", name="uq_pay_period_school_span"),
    )
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("periods_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("periods_to", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("periods_checked_at", core.store.types.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_column("periods_checked_at")
        batch_op.drop_column("periods_to")
        batch_op.drop_column("periods_from")
    op.drop_table("pay_period")
