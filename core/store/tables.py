"""The tables. What must never happen is enforced here, by the database:

- one school per KinderTrack provider ID;
- one student per child ID within a school (and one per name, so names can address them);
- at most one non-rejected submission per (school, pay period);
- each reminder once per (school, period, kind).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from core.store.types import UTCDateTime, UTCSeconds


def utcnow() -> datetime:
    return datetime.now(UTC)


def _instant(*, nullable: bool = False, whole_seconds: bool = False) -> object:
    """An aware-UTC column; required ones default to now. Attendance is kept to the whole
    second (see core.domain.instants)."""
    kind = UTCSeconds() if whole_seconds else UTCDateTime()
    if nullable:
        return Field(default=None, sa_column=Column(kind, nullable=True))
    return Field(default_factory=utcnow, sa_column=Column(kind, nullable=False))


class School(SQLModel, table=True):
    __tablename__ = "school"
    __table_args__ = (
        UniqueConstraint("team_id", "name_key", name="uq_school_team_name"),
        Index("ix_school_name_key", "name_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(default="", max_length=32)
    """The Slack workspace that owns the school; "" for a school made from the command line."""
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    timezone: str = Field(default="America/Chicago", max_length=64)
    reminder_channel: str | None = Field(default=None, max_length=32)
    """Where reminders go; None sends them to each director by DM."""
    closing_time: time = Field(default=time(18, 0), sa_column_kwargs={"server_default": "18:00:00"})
    """Local time the center closes: the day's problems are sent to the directors then."""
    report_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    """How many changes the school's reports have seen: moved by the database's triggers
    on every table a report reads (``core.store.report_version``), never by the code."""
    created_at: datetime = _instant()  # type: ignore[assignment]


class Registration(SQLModel, table=True):
    """The school's KinderTrack provider, as verified with KinderTrack."""

    __tablename__ = "registration"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", unique=True, ondelete="CASCADE")
    provider_id: str = Field(max_length=5, unique=True)
    provider_name: str = Field(default="", max_length=200)
    setup_username: str | None = Field(default=None, max_length=120)
    active: bool = True
    registered_by: str = Field(default="", max_length=64)
    verified_at: datetime = _instant()  # type: ignore[assignment]
    periods_from: date | None = None
    periods_to: date | None = None
    """The range of the provider's pay periods last asked of KinderTrack (see PayPeriodRow)."""
    periods_checked_at: datetime | None = _instant(nullable=True)  # type: ignore[assignment]


class PayPeriodRow(SQLModel, table=True):
    """One of the provider's own pay periods, as KinderTrack last listed it: the cache that
    reports, reminders and submissions read. A period with a submission is kept as it was
    even when KinderTrack later cuts that time differently (a change of billing)."""

    __tablename__ = "pay_period"
    __table_args__ = (
        UniqueConstraint("school_id", "start", "end", name="uq_pay_period_school_span"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    start: date
    end: date


class Student(SQLModel, table=True):
    __tablename__ = "student"
    __table_args__ = (
        UniqueConstraint("school_id", "name_key", name="uq_student_school_name"),
        UniqueConstraint("school_id", "child_id", name="uq_student_school_child"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=120)
    name_key: str = Field(max_length=120)
    child_id: str | None = Field(default=None, max_length=6)
    authorized_from: date | None = None
    authorized_to: date | None = None
    birth_date: date | None = None
    units_per_day: int | None = None
    """Authorized half-day units a day, from KinderTrack's roster (when it says)."""
    created_at: datetime = _instant()  # type: ignore[assignment]


class AttendanceRecord(SQLModel, table=True):
    __tablename__ = "attendance"
    __table_args__ = (
        Index("ix_attendance_school_check_in", "school_id", "check_in"),
        Index("ix_attendance_student_check_in", "student_id", "check_in"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    student_id: int = Field(foreign_key="student.id", ondelete="CASCADE")
    check_in: datetime = _instant(whole_seconds=True)  # type: ignore[assignment]
    check_out: datetime | None = _instant(nullable=True, whole_seconds=True)  # type: ignore[assignment]
    source: str = Field(default="cli", max_length=16)
    created_at: datetime = _instant()  # type: ignore[assignment]
    updated_at: datetime = _instant()  # type: ignore[assignment]


class Submission(SQLModel, table=True):
    """One row per (school, pay period) attempt; see core.domain.submission for the states."""

    __tablename__ = "submission"
    __table_args__ = (
        Index(
            "uq_submission_open_period",
            "school_id",
            "period_start",
            "period_end",
            unique=True,
            sqlite_where=text("state != 'rejected'"),
            postgresql_where=text("state != 'rejected'"),
        ),
        Index("ix_submission_state_updated", "state", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    period_start: date
    period_end: date
    state: str = Field(max_length=16)
    provider_id: str = Field(max_length=5)
    fingerprint: str = Field(max_length=64)
    record_count: int = 0
    approved_by: str = Field(default="", max_length=64)
    approved_at: datetime = _instant()  # type: ignore[assignment]
    undo_until: datetime | None = _instant(nullable=True)  # type: ignore[assignment]
    """Until when a director may withdraw this approval, no worker sending it before; None
    for an approval that goes at once (the operator's `rollcall submit --yes`)."""
    idempotency_key: str = Field(max_length=80)
    payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The records as sent (JSON), kept so the director can see exactly what KinderTrack got."""
    approved_payload: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """The records the approval covered (JSON, as sent), with the school's ``report_version``
    it saw: a claim that finds the version unchanged sends these without judging again."""
    report_version: int | None = None
    kindertrack_submission_id: str | None = Field(
        default=None, sa_column=Column(Text, nullable=True)
    )
    """KinderTrack's ID for what it holds, as long as KinderTrack makes it."""
    held_elsewhere_id: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """A submission KinderTrack holds for this period that Rollcall did not send (the
    portal): its ID, with the row rejected. Never recorded as ours."""
    received_at: datetime | None = _instant(nullable=True)  # type: ignore[assignment]
    accepted: int | None = None
    """How many records KinderTrack accepted (its answer, not what Rollcall sent)."""
    refused: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    """KinderTrack's per-child refusals (JSON list of {child_id, reason}): unpaid care."""
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    attempts: int = 0
    lease_until: datetime | None = _instant(nullable=True)  # type: ignore[assignment]
    created_at: datetime = _instant()  # type: ignore[assignment]
    updated_at: datetime = _instant()  # type: ignore[assignment]


class Reminder(SQLModel, table=True):
    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("school_id", "period_start", "kind", name="uq_reminder_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    period_start: date
    kind: str = Field(max_length=16)
    sent_at: datetime = _instant()  # type: ignore[assignment]
    """When the reminder was claimed for sending."""
    delivered_at: datetime | None = _instant(nullable=True)  # type: ignore[assignment]
    """When the notifier delivered it; a claim never delivered is re-driven later."""


class AuditEntry(SQLModel, table=True):
    """Who changed which record when, before and after (IDs and times, never names)."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_school_at", "school_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _instant()  # type: ignore[assignment]
    actor: str = Field(max_length=64)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    entity: str = Field(max_length=32)
    entity_id: int | None = None
    action: str = Field(max_length=32)
    before: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    after: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Director(SQLModel, table=True):
    """A Slack user who may register, link, edit and submit for a school."""

    __tablename__ = "director"
    __table_args__ = (UniqueConstraint("school_id", "user_id", name="uq_director_school_user"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    user_id: str = Field(max_length=32)
    added_by: str = Field(default="", max_length=32)
    added_at: datetime = _instant()  # type: ignore[assignment]


class ChannelSchool(SQLModel, table=True):
    """Which school a Slack channel works on (multi-site centers)."""

    __tablename__ = "channel_school"
    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_channel_school"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")


class SlackMessage(SQLModel, table=True):
    """A posted message to update when its subject changes (a report being submitted)."""

    __tablename__ = "slack_message"
    __table_args__ = (Index("ix_slack_message_subject", "school_id", "period_start", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    period_start: date
    period_end: date
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    kind: str = Field(default="report", max_length=16)
    locale: str | None = Field(default=None, max_length=8)
    """The language it was written in, so updates keep it (None: English)."""
    created_at: datetime = _instant()  # type: ignore[assignment]


class BoardMessage(SQLModel, table=True):
    """A roll-call board posted in a channel, redrawn in place when today's stays change
    another way than its own buttons (an import). One per school and channel: the latest
    posted there, the one people use; an older one further up is refreshed by its buttons.
    Kept apart from ``slack_message`` (a period's reports), whose every query would have
    to leave boards out."""

    __tablename__ = "board_message"
    __table_args__ = (
        UniqueConstraint("school_id", "channel_id", name="uq_board_message_school_channel"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    channel_id: str = Field(max_length=32)
    ts: str = Field(max_length=32)
    locale: str = Field(max_length=8)
    """The language it was posted in: a redraw keeps it."""
    posted_at: datetime = _instant()  # type: ignore[assignment]


class UserPreference(SQLModel, table=True):
    """A Slack user's own choices; ``language`` overrides the locale Slack reports."""

    __tablename__ = "user_preference"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_user_preference"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    language: str | None = Field(default=None, max_length=8)
    """``en`` or ``es``; None follows the user's Slack language."""
    updated_at: datetime = _instant()  # type: ignore[assignment]


class SlackUserRow(SQLModel, table=True):
    """What Slack told us about a user, kept across processes so a reminder pass does not
    ask again: the DM channel ``conversations.open`` gave and the locale ``users.info``
    reported. Keyed by workspace and user: a row never serves another workspace's user.
    IDs only, never a name."""

    __tablename__ = "slack_user"
    __table_args__ = (UniqueConstraint("team_id", "user_id", name="uq_slack_user"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    dm_channel: str | None = Field(default=None, max_length=32)
    """The bot's DM channel with the user; None until one is opened (or after Slack
    refused it)."""
    locale: str | None = Field(default=None, max_length=8)
    """``en``/``es`` as Slack reported it; None when Slack named none (or another)."""
    locale_checked_at: datetime | None = _instant(nullable=True)  # type: ignore[assignment]
    """When Slack was last asked for the locale; None: never."""


class Absence(SQLModel, table=True):
    """A child's day away (``absent``, or a ``holiday`` of their own): one per child a day."""

    __tablename__ = "absence"
    __table_args__ = (
        UniqueConstraint("student_id", "day", name="uq_absence_student_day"),
        Index("ix_absence_school_day", "school_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    student_id: int = Field(foreign_key="student.id", ondelete="CASCADE")
    day: date
    kind: str = Field(max_length=16)
    recorded_by: str = Field(default="", max_length=64)
    recorded_at: datetime = _instant()  # type: ignore[assignment]


class Closure(SQLModel, table=True):
    """A day the whole center was closed (``closed`` or ``holiday``): no child's absence."""

    __tablename__ = "closure"
    __table_args__ = (UniqueConstraint("school_id", "day", name="uq_closure_school_day"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", ondelete="CASCADE")
    day: date
    kind: str = Field(max_length=16)
    recorded_by: str = Field(default="", max_length=64)
    recorded_at: datetime = _instant()  # type: ignore[assignment]
