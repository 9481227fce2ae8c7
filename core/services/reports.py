"""Build the Subsidy Report of a school for a date range, from the store."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlmodel import Session, col, select

from core.domain.attendance import Authorization, Record
from core.domain.instants import local_day_bounds, zone
from core.domain.report import Student as ReportStudent
from core.domain.report import SubsidyReport, build_report
from core.domain.submission import LOCKING_STATES
from core.errors import InvalidInput
from core.services.runtime import Runtime
from core.services.schools import get_school, provider_status, registration_of
from core.store.queries import records_near_query
from core.store.tables import Submission

MAX_RANGE_DAYS = 62


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput(f"The range ends ({end}) before it starts ({start}).")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"A report covers at most {MAX_RANGE_DAYS} days.")


def school_report(
    rt: Runtime, *, school_id: int, start: date, end: date, team_id: str | None = None
) -> SubsidyReport:
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
    locked = session.exec(
        select(Submission.id).where(
            Submission.school_id == school_id,
            Submission.period_start == start,
            Submission.period_end == end,
            col(Submission.state).in_([str(s) for s in LOCKING_STATES]),
        )
    ).first()
    return build_report(
        school=school.name,
        provider_id=registration.provider_id if registration else None,
        provider_status=provider_status(registration),
        start=start,
        end=end,
        pay_period_match=rt.calendar.is_exact(start, end),
        already_submitted=locked is not None,
        students=students,
        records=records,
        now=rt.now(),
        tz=tz,
    )


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
    return [
        ReportStudent(
            id=sid,
            name=name,
            child_id=child_id,
            authorization=Authorization(_day(first), _day(last)) if first or last else None,
            units_per_day=units,
            birth_date=_day(birth),
        )
        for sid, name, child_id, first, last, units, birth in rows
    ]


def _day(value: object) -> date | None:
    """A DATE column as the driver gives it (SQLite: ISO text; PostgreSQL: a date)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
