"""schools, students, attendance, submissions, reminders, audit

Revision ID: 0001
Revises:
Create Date: 2026-11-28 13:16:41.648021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.store.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.store.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "name_key", name="uq_school_team_name"),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", core.store.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.create_index("ix_audit_school_at", ["school_id", "at"], unique=False)

    op.create_table(
        "registration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("provider_id", sa.String(length=5), nullable=False),
        sa.Column("provider_name", sa.String(length=200), nullable=False),
        sa.Column("setup_username", sa.String(length=120), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("registered_by", sa.String(length=64), nullable=False),
        sa.Column("verified_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_id"),
        sa.UniqueConstraint("school_id"),
    )
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sent_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "period_start", "kind", name="uq_reminder_once"),
    )
    op.create_table(
        "student",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_key", sa.String(length=120), nullable=False),
        sa.Column("child_id", sa.String(length=6), nullable=True),
        sa.Column("authorized_from", sa.Date(), nullable=True),
        sa.Column("authorized_to", sa.Date(), nullable=True),
        sa.Column("created_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "child_id", name="uq_student_school_child"),
        sa.UniqueConstraint("school_id", "name_key", name="uq_student_school_name"),
    )
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_student_school_id"), ["school_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=5), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("approved_at", core.store.types.UTCDateTime(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("kindertrack_submission_id", sa.String(length=80), nullable=True),
        sa.Column("received_at", core.store.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("lease_until", core.store.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_state_updated", ["state", "updated_at"], unique=False)
        batch_op.create_index(
            "uq_submission_open_period",
            ["school_id", "period_start", "period_end"],
            unique=True,
            sqlite_where=sa.text("state != 'rejected'"),
            postgresql_where=sa.text("state != 'rejected'"),
        )

    op.create_table(
        "attendance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("check_in", core.store.types.UTCDateTime(), nullable=False),
        sa.Column("check_out", core.store.types.UTCDateTime(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", core.store.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", core.store.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["school_id"], ["school.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.create_index(
            "ix_attendance_school_check_in", ["school_id", "check_in"], unique=False
        )
        batch_op.create_index(
            "ix_attendance_student_check_in", ["student_id", "check_in"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_index("ix_attendance_student_check_in")
        batch_op.drop_index("ix_attendance_school_check_in")

    op.drop_table("attendance")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_submission_open_period",
            sqlite_where=sa.text("state != 'rejected'"),
            postgresql_where=sa.text("state != 'rejected'"),
        )
        batch_op.drop_index("ix_submission_state_updated")

    op.drop_table("submission")
    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_student_school_id"))

    op.drop_table("student")
    op.drop_table("reminder")
    op.drop_table("registration")
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_school_at")

    op.drop_table("audit")
    op.drop_table("school")
