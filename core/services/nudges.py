"""Same-day nudges: at each school's closing time, the day's problems to its directors.

Once per school per day, also with two schedulers or a redelivered message: the claim is
a ``reminder`` row (kind ``day_close``, the day as its period) inserted under the same
unique constraint as the pay-period reminders, before anything is sent; a day with no
problems is claimed and marked delivered without a message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_
from sqlmodel import col, select

from core.domain.attendance import Record
from core.domain.day_check import ACTIVE_WITHIN, Child, DayCheck, check_day
from core.domain.instants import LocalDays, local_day_bounds, zone
from core.domain.pay_periods import PayPeriod
from core.services import reminders
from core.services.absences import away_days
from core.services.reminders import REDELIVER_AFTER, DueReminder, ReminderKind
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.store.tables import AttendanceRecord, Director, Reminder, School, Student


@dataclass(frozen=True)
class DueNudge:
    school_id: int
    day: date
    """The school's local date."""

    @property
    def claim(self) -> DueReminder:
        return DueReminder(self.school_id, PayPeriod(self.day, self.day), ReminderKind.DAY_CLOSE)


def due_nudges(rt: Runtime) -> list[DueNudge]:
    """Schools with directors whose local clock has passed their closing time today and
    whose nudge for today is not delivered or being sent. Two queries, whatever the
    number of schools: the schools, then the claims of the last two UTC days (a local
    date is within a day of the UTC one)."""
    now = rt.now()
    with rt.session() as session:
        schools = session.exec(
            select(col(School.id), col(School.timezone), col(School.closing_time))
            .where(col(School.id).in_(select(Director.school_id).distinct()))
            .order_by(col(School.id))
        ).all()
        claimed = set(
            session.exec(
                select(col(Reminder.school_id), col(Reminder.period_start)).where(
                    Reminder.kind == str(ReminderKind.DAY_CLOSE),
                    col(Reminder.period_start) >= now.date() - timedelta(days=1),
                    or_(
                        col(Reminder.delivered_at).is_not(None),
                        col(Reminder.sent_at) >= now - REDELIVER_AFTER,
                    ),
                )
            ).all()
        )
    due: list[DueNudge] = []
    for school_id, timezone, closing_time in schools:
        local = now.astimezone(zone(timezone))
        if local.time() >= closing_time and (school_id, local.date()) not in claimed:
            due.append(DueNudge(school_id or 0, local.date()))
    return due


def claim_nudge(rt: Runtime, nudge: DueNudge) -> bool:
    """Take the once-only claim; False when another sender holds it or it went out."""
    return reminders.claim_reminder(rt, nudge.claim)


def mark_delivered(rt: Runtime, nudge: DueNudge) -> None:
    reminders.mark_delivered(rt, nudge.claim)


def release_nudge(rt: Runtime, nudge: DueNudge) -> None:
    reminders.release_reminder(rt, nudge.claim)


def day_check(rt: Runtime, *, school_id: int, day: date) -> DayCheck:
    """The problems of ``day`` at the school as of now (``core.domain.day_check``)."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id)
        tz = zone(school.timezone)
        first = day - ACTIVE_WITHIN - timedelta(days=1)
        lower, _ = local_day_bounds(first, tz)
        _, upper = local_day_bounds(day + timedelta(days=1), tz)
        children = [
            Child(s.id or 0, s.name)
            for s in session.exec(select(Student).where(Student.school_id == school_id))
        ]
        records = [
            Record.at(r.id or 0, r.student_id, r.check_in, r.check_out)
            for r in session.exec(
                select(AttendanceRecord).where(
                    AttendanceRecord.school_id == school_id,
                    AttendanceRecord.check_in >= lower,
                    AttendanceRecord.check_in < upper,
                )
            )
        ]
        away = away_days(session, [school_id], day, day)[school_id]
    if day in away.closures:  # a holiday or closure: nobody was expected
        accounted = {child.student_id for child in children}
    else:
        accounted = {sid for sid, absent in away.absences.items() if day in absent}
    days = LocalDays(tz, first, day + timedelta(days=1))
    return check_day(children, records, day=day, now=rt.now(), days=days, accounted=accounted)
