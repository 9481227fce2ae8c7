"""Checking a child in and out: the open stay of the local day.

Checked in means an open stay that started the same local day; each write is one
transaction that first asks the submission guard whether the period may still change,
and leaves an audit entry.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.domain.instants import (
    local_date,
    local_day_bounds,
    parse_instant,
    whole_second,
    zone,
)
from core.domain.wall_clock import moment_label
from core.errors import Conflict, OlderStayOpen
from core.i18n import N_, _
from core.services.audit import audit_stay, save_stay_change, snapshot
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.students import find_student
from core.services.submissions_guard import guard_period_write
from core.store.tables import AttendanceRecord, Student


def check_in(
    rt: Runtime,
    *,
    school_id: int,
    student_name: str,
    at: str | None = None,
    actor: str,
    source: str = "slack",
    team_id: str | None = None,
) -> AttendanceRecord:
    """Open a stay now (or at ``at``); refused while the child is already checked in.

    Checked in means an open stay that started the same local day (today, for "now"). An
    older open stay does not block the child: it stays a ``missing_check_out`` error in its
    report, to be fixed there."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        when = parse_instant(at, tz, what=N_("check-in time")) if at else whole_second(rt.now())
        pupil = _lock_student(
            session, find_student(session, school_id=school_id, name=student_name)
        )
        open_record = _open_record(
            session, student_id=pupil.id or 0, day=local_date(when, tz), tz=tz
        )
        if open_record is not None:
            raise Conflict(
                _(
                    "{name} is already checked in since {time}.",
                    name=pupil.name,
                    time=moment_label(open_record.check_in, tz),
                )
            )
        guard_period_write(session, school_id=school_id, day=local_date(when, tz))
        record = AttendanceRecord(
            school_id=school_id, student_id=pupil.id or 0, check_in=when, source=source
        )
        session.add(record)
        session.flush()
        audit_stay(
            session,
            rt,
            actor=actor,
            record=record,
            action="check_in",
            before=None,
            after=snapshot(record),
        )
        return record


def check_out(
    rt: Runtime,
    *,
    school_id: int,
    student_name: str,
    at: str | None = None,
    actor: str,
    team_id: str | None = None,
) -> AttendanceRecord:
    """Close the child's open stay of the same local day (today, for "now").

    An older open stay is never closed here (that would make a stay of days): the refusal
    says to fix it in the report's Review."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        when = parse_instant(at, tz, what=N_("check-out time")) if at else whole_second(rt.now())
        pupil = _lock_student(
            session, find_student(session, school_id=school_id, name=student_name)
        )
        day = local_date(when, tz)
        record = _open_record(session, student_id=pupil.id or 0, day=day, tz=tz)
        if record is None:
            older = _older_open_record(session, student_id=pupil.id or 0, day=day, tz=tz)
            if older is None:
                raise Conflict(_("{name} is not checked in.", name=pupil.name))
            raise OlderStayOpen(
                name=pupil.name,
                day=day,
                older=local_date(older.check_in, tz),
                record_id=older.id or 0,
            )
        if when <= record.check_in:
            raise Conflict(
                _(
                    "{name} was checked in at {time}: a check-out must come later. "
                    "Nothing changed.",
                    name=pupil.name,
                    time=moment_label(record.check_in, tz),
                )
            )
        guard_period_write(session, school_id=school_id, day=local_date(record.check_in, tz))
        before = snapshot(record)
        record.check_out = when
        save_stay_change(session, rt, record, before=before, actor=actor, action="check_out")
        return record


def _lock_student(session: Session, student: Student) -> Student:
    """Hold the student's row until commit, so two simultaneous check-ins (a double click)
    queue up and the second one sees the first one's open stay (PostgreSQL; SQLite already
    serializes writers with BEGIN IMMEDIATE)."""
    session.exec(
        select(Student.id).where(Student.id == student.id).with_for_update(key_share=True)
    ).first()
    return student


def _open_record(
    session: Session, *, student_id: int, day: date, tz: ZoneInfo
) -> AttendanceRecord | None:
    """The child's open stay that started on local ``day``: what "checked in" means."""
    lower, upper = local_day_bounds(day, tz)
    return session.exec(
        select(AttendanceRecord)
        .where(
            AttendanceRecord.student_id == student_id,
            col(AttendanceRecord.check_out).is_(None),
            AttendanceRecord.check_in >= lower,
            AttendanceRecord.check_in < upper,
        )
        .order_by(col(AttendanceRecord.check_in).desc())
    ).first()


def _older_open_record(
    session: Session, *, student_id: int, day: date, tz: ZoneInfo
) -> AttendanceRecord | None:
    """The child's latest open stay that started before local ``day`` (a forgotten check-out)."""
    lower, _ = local_day_bounds(day, tz)
    return session.exec(
        select(AttendanceRecord)
        .where(
            AttendanceRecord.student_id == student_id,
            col(AttendanceRecord.check_out).is_(None),
            AttendanceRecord.check_in < lower,
        )
        .order_by(col(AttendanceRecord.check_in).desc())
    ).first()
