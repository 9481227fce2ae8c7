"""Build the Subsidy Report of a school for a date range, from the store."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from core.domain.attendance import Authorization, Record
from core.domain.instants import check_supported, local_day_bounds, to_seconds, zone
from core.domain.pay_periods import PayPeriods
from core.domain.report import ProviderStatus, SubsidyReport, build_report
from core.domain.report import Student as ReportStudent
from core.errors import BackwardRange, InvalidInput, KinderTrackError
from core.i18n import N_, _
from core.services.absences import AwayDays, away_days
from core.services.periods import cached_periods_of_schools, school_periods
from core.services.runtime import Runtime
from core.services.schools import get_school, provider_status, registration_of
from core.services.submissions_guard import closes_period
from core.store.queries import records_near_query, records_of_schools_query
from core.store.tables import Registration, School, Submission

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 62


def check_range(start: date, end: date) -> None:
    check_supported(start, what=N_("start date"))
    check_supported(end, what=N_("end date"))
    if end < start:
        raise BackwardRange(start, end)
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(_("A report covers at most {days} days.", days=MAX_RANGE_DAYS))


def school_report(
    rt: Runtime,
    *,
    school_id: int,
    start: date,
    end: date,
    team_id: str | None = None,
    refresh_periods: bool = True,
) -> SubsidyReport:
    """The report as of now; the school's pay periods are asked of KinderTrack first when
    the cached ones are old (if KinderTrack cannot answer, the cached ones judge the range).
    ``refresh_periods`` False judges by the cache alone: for a Slack listener, which may not
    wait on KinderTrack (a worker refreshed them when it built the report shown)."""
    check_range(start, end)
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        if not refresh_periods:
            return load_report(
                rt, session, school_id=school_id, start=start, end=end, team_id=team_id
            )
    try:
        school_periods(rt, school_id=school_id, around=start)
    except KinderTrackError as error:
        log.warning(
            "pay periods not refreshed for a report",
            extra={"event": "pay_periods_stale", "school_id": school_id, "error": str(error)},
        )
    with rt.session() as session:
        return load_report(rt, session, school_id=school_id, start=start, end=end, team_id=team_id)


def load_report(
    rt: Runtime,
    session: Session,
    *,
    school_id: int,
    start: date,
    end: date,
    team_id: str | None = None,
) -> SubsidyReport:
    """The report as of now, read within the caller's transaction."""
    check_range(start, end)
    school = get_school(session, school_id=school_id, team_id=team_id)
    tz = zone(school.timezone)
    registration = registration_of(session, school_id)
    students = _students(session, school_id=school_id)
    records = _records_near(session, school_id=school_id, start=start, end=end, tz=tz)
    # The school's closed periods, read once: whether this one is, and which cached
    # periods were submitted (kept as they were).
    closed = session.exec(
        select(
            col(Submission.school_id), col(Submission.period_start), col(Submission.period_end)
        ).where(Submission.school_id == school_id, closes_period())
    ).all()
    periods = cached_periods_of_schools(
        rt, session, {school_id: registration is not None}, locked=closed
    )
    return _judge(
        _Subject.of(school, registration),
        ReportRequest(school_id, start, end),
        periods=periods[school_id],
        away=away_days(session, [school_id], start, end)[school_id],
        absence_allowance=rt.absence_allowance,
        already_submitted=(school_id, start, end) in set(closed),
        students=students,
        records=records,
        now=rt.now(),
    )


@dataclass(frozen=True)
class ReportRequest:
    """One school's report over [start, end]."""

    school_id: int
    start: date
    end: date


BATCH_SCHOOLS = 500
"""Schools read per round of queries (SQLite caps a statement's parameters)."""


def school_reports(
    rt: Runtime, requests: Sequence[ReportRequest]
) -> dict[ReportRequest, SubsidyReport]:
    """Many schools' reports, in their own transaction (see :func:`load_reports`)."""
    with rt.session() as session:
        return load_reports(rt, session, requests)


def load_reports(
    rt: Runtime, session: Session, requests: Sequence[ReportRequest]
) -> dict[ReportRequest, SubsidyReport]:
    """The reports of many schools, by request, read in six queries per
    :data:`BATCH_SCHOOLS` requests instead of several per school: the same reports as
    :func:`load_report` gives one by one. A school that no longer exists is left out.

    For the server's own passes over schools it enumerated (reminders, the statewide
    validation, the App Home of a workspace): no workspace check is made here."""
    requests = list(dict.fromkeys(requests))
    for request in requests:
        check_range(request.start, request.end)
    reports: dict[ReportRequest, SubsidyReport] = {}
    for first in range(0, len(requests), BATCH_SCHOOLS):
        reports.update(_load_batch(rt, session, requests[first : first + BATCH_SCHOOLS]))
    return reports


@dataclass(frozen=True)
class _Subject:
    """What a report says of its school, whichever way it was read (a row or columns)."""

    name: str
    timezone: str
    provider_id: str | None
    provider_status: ProviderStatus

    @classmethod
    def of(cls, school: School, registration: Registration | None) -> _Subject:
        return cls(
            school.name,
            school.timezone,
            registration.provider_id if registration else None,
            provider_status(registration),
        )


_SCHOOLS = text(
    "SELECT school.id, school.name, school.timezone, registration.provider_id, "
    "registration.active FROM school "
    "LEFT JOIN registration ON registration.school_id = school.id "
    "WHERE school.id IN :school_ids"
).bindparams(bindparam("school_ids", expanding=True))


def _subjects(session: Session, ids: list[int]) -> dict[int, _Subject]:
    """The schools among ``ids`` that exist, as plain columns (no ORM objects to build)."""
    rows = session.connection().execute(_SCHOOLS, {"school_ids": ids}).fetchall()
    return {
        sid: _Subject(name, timezone, provider_id, _status(provider_id, active))
        for sid, name, timezone, provider_id, active in rows
    }


def _status(provider_id: str | None, active: bool | None) -> ProviderStatus:
    """:func:`core.services.schools.provider_status` from the registration's columns."""
    if provider_id is None:
        return ProviderStatus.UNREGISTERED
    return ProviderStatus.REGISTERED if active else ProviderStatus.INACTIVE


def _load_batch(
    rt: Runtime, session: Session, requests: Sequence[ReportRequest]
) -> dict[ReportRequest, SubsidyReport]:
    ids = sorted({r.school_id for r in requests})
    schools = _subjects(session, ids)
    students = _students_of_schools(session, ids)
    wanted = [r for r in requests if r.school_id in schools]
    bounds = {r: _bounds(r, zone(schools[r.school_id].timezone)) for r in wanted}
    records = _records_of_schools(session, bounds)
    locked = set(
        session.exec(
            select(
                col(Submission.school_id), col(Submission.period_start), col(Submission.period_end)
            ).where(
                col(Submission.school_id).in_(ids),
                closes_period(),
            )
        ).all()
    )
    periods = cached_periods_of_schools(
        rt,
        session,
        {
            r.school_id: schools[r.school_id].provider_status is not ProviderStatus.UNREGISTERED
            for r in wanted
        },
        locked=locked,
    )
    away = away_days(
        session,
        [r.school_id for r in wanted],
        min((r.start for r in wanted), default=date.min),
        max((r.end for r in wanted), default=date.min),
    )
    now = rt.now()
    return {
        r: _judge(
            schools[r.school_id],
            r,
            periods=periods[r.school_id],
            away=away[r.school_id],
            absence_allowance=rt.absence_allowance,
            already_submitted=(r.school_id, r.start, r.end) in locked,
            students=students.get(r.school_id, []),
            records=records.get(r, []),
            now=now,
        )
        for r in wanted
    }


def _judge(
    school: _Subject,
    request: ReportRequest,
    *,
    periods: PayPeriods,
    away: AwayDays,
    absence_allowance: int,
    already_submitted: bool,
    students: list[ReportStudent],
    records: list[Record],
    now: datetime,
) -> SubsidyReport:
    """What both paths hand the pure report builder, made the same way."""
    return build_report(
        school=school.name,
        provider_id=school.provider_id,
        provider_status=school.provider_status,
        start=request.start,
        end=request.end,
        pay_period_match=periods.is_exact(request.start, request.end),
        already_submitted=already_submitted,
        students=students,
        records=records,
        now=now,
        tz=zone(school.timezone),
        absences=away.absences,
        closures=away.closures,
        absence_allowance=absence_allowance,
    )


def _bounds(request: ReportRequest, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants ``build_report`` needs records from: a day either side of the range."""
    lower, _ = local_day_bounds(request.start - timedelta(days=1), tz)
    _, upper = local_day_bounds(request.end + timedelta(days=1), tz)
    return lower, upper


def _records_of_schools(
    session: Session, bounds: dict[ReportRequest, tuple[datetime, datetime]]
) -> dict[ReportRequest, list[Record]]:
    """Each request's records within its own bounds, read in one query over the widest
    window (the schools' zones and ranges differ by hours, not periods)."""
    if not bounds:
        return {}
    connection = session.connection()
    rows = connection.execute(
        records_of_schools_query(connection.dialect),
        {
            "school_ids": sorted({r.school_id for r in bounds}),
            "lower": min(lower for lower, _ in bounds.values()),
            "upper": max(upper for _, upper in bounds.values()),
        },
    )
    wanted: dict[int, list[tuple[ReportRequest, int, int]]] = defaultdict(list)
    for request, (lower, upper) in bounds.items():
        wanted[request.school_id].append((request, to_seconds(lower), to_seconds(upper)))
    found: dict[ReportRequest, list[Record]] = defaultdict(list)
    for school_id, *fields in rows.fetchall():
        for request, first, last in wanted[school_id]:
            if first <= fields[2] < last:
                found[request].append(Record._make(fields))
    return found


_STUDENTS_OF_SCHOOLS = text(
    "SELECT school_id, id, name, child_id, authorized_from, authorized_to, units_per_day, "
    "birth_date FROM student WHERE school_id IN :school_ids"
).bindparams(bindparam("school_ids", expanding=True))


def _students_of_schools(session: Session, ids: list[int]) -> dict[int, list[ReportStudent]]:
    rows = session.connection().execute(_STUDENTS_OF_SCHOOLS, {"school_ids": ids}).fetchall()
    found: dict[int, list[ReportStudent]] = defaultdict(list)
    for school_id, *fields in rows:
        found[school_id].append(_student(*fields))
    return found


_STUDENTS = text(
    "SELECT id, name, child_id, authorized_from, authorized_to, units_per_day, birth_date "
    "FROM student "
    "WHERE school_id = :school_id"
)


def _records_near(
    session: Session, *, school_id: int, start: date, end: date, tz: ZoneInfo
) -> list[Record]:
    """The records ``build_report`` judges: a day before ``start`` to a day after ``end``
    (overlaps at the edges). The database gives the instants as epoch seconds, so each row
    becomes a Record in one step: the ORM's per-row machinery and a datetime per value
    cost more than judging the records (see bench/report.py)."""
    lower, _ = local_day_bounds(start - timedelta(days=1), tz)
    _, upper = local_day_bounds(end + timedelta(days=1), tz)
    connection = session.connection()
    rows = connection.execute(
        records_near_query(connection.dialect),
        {"school_id": school_id, "lower": lower, "upper": upper},
    )
    return list(map(Record._make, rows.fetchall()))


def _students(session: Session, *, school_id: int) -> list[ReportStudent]:
    rows = session.connection().execute(_STUDENTS, {"school_id": school_id}).fetchall()
    return [_student(*row) for row in rows]


def _student(
    sid: int,
    name: str,
    child_id: str | None,
    first: object,
    last: object,
    units: int | None,
    birth: object,
) -> ReportStudent:
    """A student row (the columns of ``_STUDENTS``) as the report builder takes it."""
    return ReportStudent(
        id=sid,
        name=name,
        child_id=child_id,
        authorization=Authorization(_day(first), _day(last)) if first or last else None,
        units_per_day=units,
        birth_date=_day(birth),
    )


def _day(value: object) -> date | None:
    """A DATE column as the driver gives it (SQLite: ISO text; PostgreSQL: a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
