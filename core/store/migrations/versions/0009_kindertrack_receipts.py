"""KinderTrack's receipt kept whatever its length; a submission held but not ours

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:40:00

``kindertrack_submission_id`` was 80 characters: a longer ID from KinderTrack failed to
store after KinderTrack had accepted, leaving the row in ``submitting``. It is text now.
``held_elsewhere_id`` keeps the ID of a submission KinderTrack holds for the period that
Rollcall did not send (someone used the portal).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.alter_column(
            "kindertrack_submission_id",
            existing_type=sa.String(length=80),
            type_=sa.Text(),
            existing_nullable=True,
        )
        batch.add_column(sa.Column("held_elsewhere_id", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("held_elsewhere_id")
        batch.alter_column(
            "kindertrack_submission_id",
            existing_type=sa.Text(),
            type_=sa.String(length=80),
            existing_nullable=True,
        )
