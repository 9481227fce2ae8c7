"""Pay-period reminders: each (school, period, kind) once, never twice.

``closing``: two days before a period's last day, with the current error count.
``closed``: after a period ended and while it is not submitted, with the preview ready.
The reminder row is claimed (inserted under a unique constraint) before the notice goes
out, so two schedulers or a redelivered message cannot send it twice; if sending fails
the claim is released so a later pass tries again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, or_, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.domain.instants import local_day_bounds, zone
from core.domain.pay_periods import PayPeriod, PayPeriods, UnknownPeriod
from core.domain.submission import SubmissionState
from core.services.periods import periods_of_schools, school_today
from core.services.runtime import Runtime
from core.store.tables import AttendanceRecord, Registration, Reminder, School, Submission
from core.store.upsert import insert_or_skip

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
    """Reminders that are due now and not yet claimed, for registered schools.

    Set-based: a fixed number of queries whatever the number of schools (the registered
    schools and their zones; then, per distinct (period, zone) window, which of them have
    attendance in it; which periods are submitted; which reminders are claimed)."""
    now = rt.now()
    with rt.session() as session:
        registered = session.exec(
            select(col(School.id), col(School.timezone)).join(
                Registration, col(Registration.school_id) == School.id
            )
        ).all()
    timezones = {school_id or 0: timezone for school_id, timezone in registered}
    today = {school_id: school_today(rt, timezone) for school_id, timezone in timezones.items()}
    periods = periods_of_schools(rt, today)
    candidates: dict[tuple[int, date, ReminderKind], DueReminder] = {}
    for school_id, day in today.items():
        for period, kind in _candidates(school_id, periods[school_id], day):
            candidates[(school_id, period.start, kind)] = DueReminder(school_id, period, kind)
    if not candidates:
        return []
    with rt.session() as session:
        attended = _attended(session, candidates.values(), timezones)
        starts = {due.period.start for due in candidates.values()}
        submitted = set(
            session.exec(
                select(col(Submission.school_id), col(Submission.period_start)).where(
                    col(Submission.period_start).in_(starts),
                    col(Submission.state).in_(
                        [str(SubmissionState.SUBMITTING), str(SubmissionState.SUBMITTED)]
                    ),
                )
            ).all()
        )
        claimed = set(
            session.exec(
                select(
                    col(Reminder.school_id), col(Reminder.period_start), col(Reminder.kind)
                ).where(
                    col(Reminder.period_start).in_(starts),
                    or_(
                        col(Reminder.delivered_at).is_not(None),
                        col(Reminder.sent_at) >= now - REDELIVER_AFTER,
                    ),
                )
            ).all()
        )
    return [
        due
        for key, due in candidates.items()
        if (due.school_id, due.period, due.kind) in attended
        and not (due.kind is ReminderKind.CLOSED and (due.school_id, due.period.start) in submitted)
        and (key[0], key[1], str(key[2])) not in claimed
    ]


def _candidates(
    school_id: int, periods: PayPeriods, today: date
) -> list[tuple[PayPeriod, ReminderKind]]:
    """The reminders a school whose local date is ``today`` may be owed (none when its
    pay periods do not reach today: logged, tried again by the next pass)."""
    try:
        current = periods.containing(today)
        last = periods.last_closed(today)
    except UnknownPeriod as error:
        log.warning(
            "no pay periods for reminders",
            extra={"event": "reminder_skipped", "school_id": school_id, "error": str(error)},
        )
        return []
    found: list[tuple[PayPeriod, ReminderKind]] = []
    if current.end - CLOSING_LEAD <= today:
        found.append((current, ReminderKind.CLOSING))
    if today - last.end <= CLOSED_WINDOW:
        found.append((last, ReminderKind.CLOSED))
    return found


def _attended(
    session: Session, candidates: Iterable[DueReminder], timezones: dict[int, str]
) -> set[tuple[int, PayPeriod, ReminderKind]]:
    """The candidates whose period has any attendance (nothing to remind about else): one
    EXISTS query per distinct (period, zone), never one per school."""
    windows: dict[tuple[PayPeriod, str], list[DueReminder]] = defaultdict(list)
    for due in candidates:
        windows[(due.period, timezones[due.school_id])].append(due)
    found: set[tuple[int, PayPeriod, ReminderKind]] = set()
    for (period, timezone), dues in windows.items():
        tz = zone(timezone)
        lower, _ = local_day_bounds(period.start, tz)
        _, upper = local_day_bounds(period.end, tz)
        some = (
            select(AttendanceRecord.id)
            .where(
                col(AttendanceRecord.school_id) == School.id,
                AttendanceRecord.check_in >= lower,
                AttendanceRecord.check_in < upper,
            )
            .exists()
        )
        having = set(
            session.exec(select(col(School.id)).where(col(School.timezone) == timezone, some)).all()
        )
        found.update((d.school_id, d.period, d.kind) for d in dues if d.school_id in having)
    return found


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


def claim_reminders(rt: Runtime, dues: Sequence[DueReminder]) -> list[DueReminder]:
    """Claim a batch at once (what :func:`claim_reminder` does for one): insert every
    once-only row that is not there yet, then take over the claims whose sender died
    before delivering. The unique constraint decides, so of two workers (or schedulers)
    claiming the same reminder exactly one gets it. Returns the reminders now ours."""
    if not dues:
        return []
    now = rt.now()
    keys = {(d.school_id, d.period.start, str(d.kind)): d for d in dues}
    with rt.session() as session:
        rows = [
            {"school_id": k[0], "period_start": k[1], "kind": k[2], "sent_at": now} for k in keys
        ]
        new = insert_or_skip(session, Reminder).values(rows).on_conflict_do_nothing()
        ours = set(
            session.execute(
                new.returning(Reminder.school_id, Reminder.period_start, Reminder.kind)
            ).all()
        )
        rest = [k for k in keys if k not in ours]
        if rest:
            taken = session.execute(
                update(Reminder)
                .where(
                    tuple_(
                        col(Reminder.school_id), col(Reminder.period_start), col(Reminder.kind)
                    ).in_(rest),
                    col(Reminder.delivered_at).is_(None),
                    col(Reminder.sent_at) < now - REDELIVER_AFTER,
                )
                .values(sent_at=now)
                .returning(col(Reminder.school_id), col(Reminder.period_start), col(Reminder.kind))
            )
            ours.update(taken.all())
    claimed = {_as_key(key) for key in ours}
    return [due for key, due in keys.items() if key in claimed]


def _as_key(key: Any) -> tuple[int, date, str]:
    """A claimed row's key as Python values (SQLite gives a DATE back as text)."""
    school_id, start, kind = key
    return int(school_id), start if isinstance(start, date) else date.fromisoformat(start), kind


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


def settle_reminders(
    rt: Runtime, *, delivered: Sequence[DueReminder], failed: Sequence[DueReminder]
) -> None:
    """Record a batch's outcomes in one transaction: ``delivered`` are never sent again,
    ``failed`` have their undelivered claims dropped so a later pass sends them."""
    if not delivered and not failed:
        return
    with rt.session() as session:
        if delivered:
            session.execute(
                update(Reminder)
                .where(_keys_in(delivered))
                .values(delivered_at=rt.now())
                .execution_options(synchronize_session=False)
            )
        if failed:
            session.execute(
                delete(Reminder)
                .where(_keys_in(failed), col(Reminder.delivered_at).is_(None))
                .execution_options(synchronize_session=False)
            )


def _keys_in(dues: Sequence[DueReminder]) -> Any:
    """Reminder rows whose (school, period, kind) is one of ``dues``'."""
    return tuple_(col(Reminder.school_id), col(Reminder.period_start), col(Reminder.kind)).in_(
        [(d.school_id, d.period.start, str(d.kind)) for d in dues]
    )


def release_reminders(rt: Runtime, dues: Sequence[DueReminder]) -> None:
    """Sending failed: drop these undelivered claims (one statement) so a later pass
    sends them."""
    if not dues:
        return
    with rt.session() as session:
        session.execute(
            delete(Reminder)
            .where(_keys_in(dues), col(Reminder.delivered_at).is_(None))
            .execution_options(synchronize_session=False)
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
