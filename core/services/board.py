"""The roll-call board: who is checked in today, and who is away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from core.domain.instants import local_date, local_day_bounds, zone
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.store.tables import Absence, AttendanceRecord, Closure, Student


@dataclass(frozen=True)
class RollCallEntry:
    student_id: int
    student_name: str
    checked_in_at: datetime | None
    """The start of the child's open stay of today, or None when they are not checked in."""
    away: str | None = None
    """Today's absence kind of the child (or the center's closure), if one is recorded."""


def roll_call(rt: Runtime, *, school_id: int, team_id: str | None = None) -> list[RollCallEntry]:
    """Every student of the school, by name, with the start of their open stay of today
    (if any): the same "checked in" as :func:`check_in` and :func:`check_out` use."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        lower, upper = local_day_bounds(local_date(rt.now(), tz), tz)
        students = session.exec(
            select(Student).where(Student.school_id == school_id).order_by(col(Student.name))
        ).all()
        open_since: dict[int, datetime] = {}
        for record in session.exec(
            select(AttendanceRecord)
            .where(
                AttendanceRecord.school_id == school_id,
                col(AttendanceRecord.check_out).is_(None),
                AttendanceRecord.check_in >= lower,
                AttendanceRecord.check_in < upper,
            )
            .order_by(col(AttendanceRecord.check_in))
        ):
            open_since[record.student_id] = record.check_in
        today = local_date(rt.now(), tz)
        away = dict(
            session.exec(
                select(col(Absence.student_id), col(Absence.kind)).where(
                    Absence.school_id == school_id, Absence.day == today
                )
            ).all()
        )
        closed = session.exec(
            select(Closure.kind).where(Closure.school_id == school_id, Closure.day == today)
        ).first()
        return [
            RollCallEntry(
                s.id or 0, s.name, open_since.get(s.id or 0), closed or away.get(s.id or 0)
            )
            for s in students
        ]
