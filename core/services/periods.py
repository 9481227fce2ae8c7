"""Which day it is for a school, and which pay periods it bills by.

Before registration a school follows the settings' calendar (``ROLLCALL_PAY_PERIOD_ANCHOR``
and ``DAYS``). Once registered it follows its provider's own periods, asked of KinderTrack
at registration and whenever a period is needed and the cached answer is old or does not
reach that far; a changed answer replaces the cached periods, except those already
submitted, which stay as they were.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from core.domain.instants import local_date, zone
from core.domain.pay_periods import ListedPeriods, PayPeriod, PayPeriods, check_listed
from core.errors import KinderTrackError, KinderTrackUnavailable, PeriodsNotCached
from core.i18n import _
from core.services.runtime import Runtime
from core.services.submissions_guard import closes_period, lock_school
from core.store.tables import PayPeriodRow, Registration, Submission

log = logging.getLogger(__name__)

ASK_SPAN = timedelta(days=120)
"""How far either side of the day needed Rollcall asks KinderTrack about."""
NEEDED_SPAN = timedelta(days=70)
"""How far either side of the day needed the cache must reach (the period before a monthly
one starts up to 62 days earlier)."""
REFRESH_AFTER = timedelta(hours=6)
"""An older answer is asked again, so a change of billing is seen within hours."""


def school_today(rt: Runtime, timezone: str) -> date:
    """Today's date in the school's time zone (by the runtime's clock)."""
    return local_date(rt.now(), zone(timezone))


def school_periods(rt: Runtime, *, school_id: int, around: date) -> PayPeriods:
    """The school's pay periods, good for any day within ``NEEDED_SPAN`` of ``around``.

    Asks KinderTrack when the cache is old or too short; if KinderTrack cannot answer, a
    cache that reaches ``around`` is used as it is.
    """
    with rt.session() as session:
        registration = _registration(session, school_id)
        if registration is None:
            return rt.calendar
        provider_id = registration.provider_id
        fresh = _covers(registration, around) and not _stale(rt, registration)
        if fresh:
            return cached_periods(rt, session, school_id=school_id)
    try:
        return refresh_periods(rt, school_id=school_id, provider_id=provider_id, around=around)
    except (KinderTrackUnavailable, KinderTrackError) as error:
        with rt.session() as session:
            registration = _registration(session, school_id)
            if registration is None or not _covers(registration, around, margin=timedelta()):
                raise
            log.warning(
                "pay periods not refreshed; using the cached ones",
                extra={"event": "pay_periods_stale", "school_id": school_id, "error": str(error)},
            )
            return cached_periods(rt, session, school_id=school_id)


@dataclass(frozen=True)
class CachedPeriods:
    """The school's periods as cached, and whether a worker should ask KinderTrack again."""

    periods: PayPeriods
    refresh_due: bool
    """The cache is old, or does not reach ``NEEDED_SPAN`` around the day needed."""


def periods_as_cached(rt: Runtime, *, school_id: int, around: date) -> CachedPeriods:
    """The school's periods without asking KinderTrack, for someone waiting (a Slack
    listener must answer within 3 s; a KinderTrack call may take its whole 20 s deadline).

    ``refresh_due`` tells the caller to have a worker call :func:`school_periods`. Raises
    :class:`PeriodsNotCached` when the cache does not contain ``around`` at all.
    """
    with rt.session() as session:
        registration = _registration(session, school_id)
        if registration is None:
            return CachedPeriods(rt.calendar, refresh_due=False)
        if not _covers(registration, around, margin=timedelta()):
            raise PeriodsNotCached()
        due = not _covers(registration, around) or _stale(rt, registration)
        return CachedPeriods(cached_periods(rt, session, school_id=school_id), due)


@dataclass(frozen=True)
class AskedPeriods:
    """KinderTrack's answer (checked) and the range it answers for."""

    start: date
    end: date
    periods: tuple[PayPeriod, ...]


def periods_of_schools(rt: Runtime, days: dict[int, date]) -> dict[int, PayPeriods]:
    """:func:`school_periods` of many schools (school ID -> the day needed) in a fixed
    number of queries; only a school whose cache is old or too short costs more (it asks
    KinderTrack). One that KinderTrack cannot answer for gets the settings' calendar."""
    with rt.session() as session:
        registrations = {
            r.school_id: r
            for r in session.exec(
                select(Registration).where(col(Registration.school_id).in_(list(days)))
            )
        }
        fresh = {
            sid: sid not in registrations
            or (_covers(registrations[sid], day) and not _stale(rt, registrations[sid]))
            for sid, day in days.items()
        }
        found = cached_periods_of_schools(
            rt, session, {sid: sid in registrations for sid in days if fresh[sid]}
        )
    for sid, day in days.items():
        if not fresh[sid]:
            try:
                found[sid] = school_periods(rt, school_id=sid, around=day)
            except KinderTrackError:
                found[sid] = rt.calendar
    return found


def periods_of_schools_as_cached(
    rt: Runtime, days: dict[int, date]
) -> tuple[dict[int, PayPeriods], dict[int, date]]:
    """:func:`periods_of_schools` without asking KinderTrack (see :func:`periods_as_cached`),
    with the schools whose cache is old or too short (and their day), for a worker to
    refresh. One whose
    cache does not reach its day gets the settings' calendar meanwhile."""
    with rt.session() as session:
        registrations = {
            r.school_id: r
            for r in session.exec(
                select(Registration).where(col(Registration.school_id).in_(list(days)))
            )
        }
        due = {
            sid: day
            for sid, day in days.items()
            if sid in registrations
            and (not _covers(registrations[sid], day) or _stale(rt, registrations[sid]))
        }
        reaches = {
            sid: sid in registrations and _covers(registrations[sid], day, margin=timedelta())
            for sid, day in days.items()
        }
        return cached_periods_of_schools(rt, session, reaches), due


def ask_periods(rt: Runtime, *, provider_id: str, around: date) -> AskedPeriods:
    """The provider's periods within ``ASK_SPAN`` of ``around``, as KinderTrack lists them;
    an answer that makes no sense is treated as KinderTrack being unavailable."""
    start, end = around - ASK_SPAN, around + ASK_SPAN
    listed = rt.kindertrack.list_provider_pay_periods(provider_id, start, end)
    try:
        return AskedPeriods(start, end, check_listed(listed, start, end))
    except ValueError as error:
        raise KinderTrackUnavailable(
            _(
                "KinderTrack's pay periods for provider {provider_id} make no sense: {error}",
                provider_id=provider_id,
                error=error,
            )
        ) from error


def refresh_periods(rt: Runtime, *, school_id: int, provider_id: str, around: date) -> PayPeriods:
    """Ask KinderTrack for the provider's periods around ``around`` and cache its answer."""
    asked = ask_periods(rt, provider_id=provider_id, around=around)
    with rt.session() as session:
        # Two refreshes of one school at once (two reminder passes, a report beside a
        # reminder) would both insert the same periods: the school's lock orders them, and
        # the second reads what the first stored.
        lock_school(session, school_id=school_id)
        registration = _registration(session, school_id)
        if registration is None or registration.provider_id != provider_id:
            return ListedPeriods(asked.periods)  # re-registered meanwhile: cache none of it
        store_periods(session, registration=registration, asked=asked)
        registration.periods_checked_at = rt.now()
        session.add(registration)
        session.flush()
        return cached_periods(rt, session, school_id=school_id)


def store_periods(session: Session, *, registration: Registration, asked: AskedPeriods) -> None:
    """Replace the cached periods that touch the range asked about with KinderTrack's
    answer, keeping any period that has a submission."""
    school_id = registration.school_id
    start, end, periods = asked.start, asked.end, asked.periods
    submitted = _submitted(session, school_id)
    cached = session.exec(select(PayPeriodRow).where(PayPeriodRow.school_id == school_id)).all()
    wanted = set(periods)
    for row in cached:
        span = PayPeriod(row.start, row.end)
        touches = row.end >= start and row.start <= end
        if touches and span not in wanted and span not in submitted:
            session.delete(row)
        wanted.discard(span)
    session.add_all(PayPeriodRow(school_id=school_id, start=p.start, end=p.end) for p in wanted)
    registration.periods_from, registration.periods_to = start, end


def forget_periods(session: Session, *, school_id: int) -> None:
    """A new provider ID: its periods are asked for afresh (submitted ones are kept)."""
    submitted = _submitted(session, school_id)
    for row in session.exec(select(PayPeriodRow).where(PayPeriodRow.school_id == school_id)):
        if PayPeriod(row.start, row.end) not in submitted:
            session.delete(row)


def cached_periods(rt: Runtime, session: Session, *, school_id: int) -> PayPeriods:
    """The school's periods as cached, read within the caller's transaction (no call to
    KinderTrack); the settings' calendar for a school not registered."""
    registered = _registration(session, school_id) is not None
    return cached_periods_of_schools(rt, session, {school_id: registered})[school_id]


def cached_periods_of_schools(
    rt: Runtime,
    session: Session,
    registered: dict[int, bool],
    *,
    locked: Iterable[tuple[int, object, object]] | None = None,
) -> dict[int, PayPeriods]:
    """:func:`cached_periods` of many schools (school ID -> is it registered?) in two
    queries, or one when the caller read the schools' submitted (and submitting) periods
    already: ``locked`` holds them as (school ID, first day, last day)."""
    ids = [sid for sid, is_registered in registered.items() if is_registered]
    spans: dict[int, list[PayPeriod]] = {sid: [] for sid in ids}
    submitted: dict[int, set[PayPeriod]] = {sid: set() for sid in ids}
    if ids:
        rows = session.exec(
            select(col(PayPeriodRow.school_id), col(PayPeriodRow.start), col(PayPeriodRow.end))
            .where(col(PayPeriodRow.school_id).in_(ids))
            .order_by(col(PayPeriodRow.start))
        ).all()
        for sid, start, end in rows:
            spans[sid].append(PayPeriod(_as_date(start), _as_date(end)))
        if locked is None:
            locked = session.exec(
                select(
                    col(Submission.school_id),
                    col(Submission.period_start),
                    col(Submission.period_end),
                ).where(
                    col(Submission.school_id).in_(ids),
                    closes_period(),
                )
            ).all()
        for sid, first, last in locked:
            if sid in submitted:
                submitted[sid].add(PayPeriod(_as_date(first), _as_date(last)))
    return {
        sid: _listed(spans[sid], submitted[sid]) if is_registered else rt.calendar
        for sid, is_registered in registered.items()
    }


def _listed(spans: list[PayPeriod], submitted: set[PayPeriod]) -> ListedPeriods:
    """Cached spans as periods: a kept (submitted) period that overlaps one KinderTrack
    lists now is no longer KinderTrack's way of cutting that time: it answers only for
    itself."""
    outside = [s for s in spans if s not in submitted]
    current = [s for s in spans if s in submitted and not any(_overlap(s, o) for o in outside)]
    current += outside
    kept = tuple(s for s in spans if s not in current)
    return ListedPeriods(tuple(sorted(current)), kept)


def _overlap(a: PayPeriod, b: PayPeriod) -> bool:
    return a.start <= b.end and b.start <= a.end


def _registration(session: Session, school_id: int) -> Registration | None:
    return session.exec(select(Registration).where(Registration.school_id == school_id)).first()


def _covers(registration: Registration, day: date, *, margin: timedelta = NEEDED_SPAN) -> bool:
    first, last = registration.periods_from, registration.periods_to
    return first is not None and last is not None and first <= day - margin and day + margin <= last


def _stale(rt: Runtime, registration: Registration) -> bool:
    checked = registration.periods_checked_at
    return checked is None or rt.now() - checked >= REFRESH_AFTER


def _submitted(session: Session, school_id: int) -> set[PayPeriod]:
    rows = session.exec(
        select(col(Submission.period_start), col(Submission.period_end)).where(
            Submission.school_id == school_id,
            closes_period(),
        )
    ).all()
    return {PayPeriod(_as_date(start), _as_date(end)) for start, end in rows}


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
