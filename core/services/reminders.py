"""Pay-period reminders: each (school, period, kind) once, never twice.

``closing``: two days before a period's last day, with the current error count.
``closed``: after a period ended and while it is not submitted, with the preview ready.
The reminder row is claimed (inserted under a unique constraint) before the notice goes
out, so two schedulers or a redelivered message cannot send it twice; if sending fails
the claim is released so a later pass tries again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.domain.instants import local_day_bounds, zone
from core.domain.pay_periods import PayPeriod, UnknownPeriod
from core.domain.submission import SubmissionState
from core.errors import KinderTrackError
from core.services.periods import school_periods, school_today
from core.services.runtime import Runtime
from core.store.tables import AttendanceRecord, Registration, Reminder, School, Submission

CLOSING_LEAD = timedelta(days=2)
CLOSED_WINDOW = timedelta(days=7)
REDELIVER_AFTER = timedelta(minutes=10)
"""A claim not delivered after this long (its worker died between claim and send) is
claimed again by a later pass."""

log = logging.getLogger(__name__)


class ReminderKind(StrEnum):
    CLOSING = "closing"
    CLOSED = "closed"
    DAY_CLOSE = "day_close"
    """The same-day nudge (``core.services.nudges``): its "period" is the one day."""


@dataclass(frozen=True)
class DueReminder:
    school_id: int
    period: PayPeriod
    kind: ReminderKind


def due_reminders(rt: Runtime) -> list[DueReminder]:
    """Reminders that are due now and not yet claimed, for registered schools."""
    now = rt.now()
    due: list[DueReminder] = []
    with rt.session() as session:
        schools = session.exec(
            select(School).join(Registration, col(Registration.school_id) == School.id)
        ).all()
    for school in schools:
        today = school_today(rt, school.timezone)
        try:
            periods = school_periods(rt, school_id=school.id or 0, around=today)
            current = periods.containing(today)
            last = periods.last_closed(today)
        except (KinderTrackError, UnknownPeriod) as error:
            log.warning(
                "no pay periods for reminders",
                extra={"event": "reminder_skipped", "school_id": school.id, "error": str(error)},
            )
            continue
        candidates: list[tuple[PayPeriod, ReminderKind]] = []
        if current.end - CLOSING_LEAD <= today:
            candidates.append((current, ReminderKind.CLOSING))
        if today - last.end <= CLOSED_WINDOW:
            candidates.append((last, ReminderKind.CLOSED))
        with rt.session() as session:
            for period, kind in candidates:
                if kind is ReminderKind.CLOSED and _submitted(session, school.id or 0, period):
                    continue
                if not _has_attendance(session, school, period):
                    continue
                claimed = session.exec(
                    select(Reminder.id).where(
                        Reminder.school_id == school.id,
                        Reminder.period_start == period.start,
                        Reminder.kind == str(kind),
                        or_(
                            col(Reminder.delivered_at).is_not(None),
                            col(Reminder.sent_at) >= now - REDELIVER_AFTER,
                        ),
                    )
                ).first()
                if claimed is None:
                    due.append(DueReminder(school.id or 0, period, kind))
    return due


def _has_attendance(session: Session, school: School, period: PayPeriod) -> bool:
    """A period with no attendance at all has nothing to remind about."""
    tz = zone(school.timezone)
    lower, _ = local_day_bounds(period.start, tz)
    _, upper = local_day_bounds(period.end, tz)
    return (
        session.exec(
            select(AttendanceRecord.id).where(
                AttendanceRecord.school_id == school.id,
                AttendanceRecord.check_in >= lower,
                AttendanceRecord.check_in < upper,
            )
        ).first()
        is not None
    )


def _submitted(session: Session, school_id: int, period: PayPeriod) -> bool:
    return (
        session.exec(
            select(Submission.id).where(
                Submission.school_id == school_id,
                Submission.period_start == period.start,
                Submission.period_end == period.end,
                col(Submission.state).in_(
                    [str(SubmissionState.SUBMITTING), str(SubmissionState.SUBMITTED)]
                ),
            )
        ).first()
        is not None
    )


def claim_reminder(rt: Runtime, reminder: DueReminder) -> bool:
    """Insert the once-only row (or take over a claim whose sender died before delivering);
    False when someone else holds it or it was delivered."""
    now = rt.now()
    try:
        with rt.session() as session:
            session.add(
                Reminder(
                    school_id=reminder.school_id,
                    period_start=reminder.period.start,
                    kind=str(reminder.kind),
                    sent_at=now,
                )
            )
        return True
    except IntegrityError:
        pass
    with rt.session() as session:
        taken = session.execute(
            update(Reminder)
            .where(
                col(Reminder.school_id) == reminder.school_id,
                col(Reminder.period_start) == reminder.period.start,
                col(Reminder.kind) == str(reminder.kind),
                col(Reminder.delivered_at).is_(None),
                col(Reminder.sent_at) < now - REDELIVER_AFTER,
            )
            .values(sent_at=now)
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def mark_delivered(rt: Runtime, reminder: DueReminder) -> None:
    with rt.session() as session:
        session.execute(
            update(Reminder)
            .where(
                col(Reminder.school_id) == reminder.school_id,
                col(Reminder.period_start) == reminder.period.start,
                col(Reminder.kind) == str(reminder.kind),
            )
            .values(delivered_at=rt.now())
        )


def release_reminder(rt: Runtime, reminder: DueReminder) -> None:
    """Sending failed: drop the claim so the next pass sends it."""
    with rt.session() as session:
        row = session.exec(
            select(Reminder).where(
                Reminder.school_id == reminder.school_id,
                Reminder.period_start == reminder.period.start,
                Reminder.kind == str(reminder.kind),
            )
        ).first()
        if row is not None:
            session.delete(row)


def days_left(period: PayPeriod, today: date) -> int:
    return max((period.end - today).days, 0)
