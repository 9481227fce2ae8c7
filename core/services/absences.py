"""Recording absences and closures, and reading them for reports.

A child's absence is one row per child and day (recording another kind that day changes
it); a closure is one row per center and day. Both are refused in a submitted period and
void an approval of the period they fall in, as an attendance change does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session, col, select

from core.domain.absences import CENTER, AbsenceKind, parse_kind
from core.domain.instants import parse_date
from core.services.audit import write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.students import find_student
from core.services.submissions_guard import guard_period_write
from core.store.tables import Absence, Closure


@dataclass(frozen=True)
class RecordedAbsence:
    student: str | None
    """The child's name; None for a closure of the whole center."""
    day: date
    kind: AbsenceKind
    changed: bool
    """False when exactly this was recorded already."""


def record_absence(
    rt: Runtime,
    *,
    school_id: int,
    student_name: str,
    day: str | date,
    kind: str = "absent",
    actor: str,
    team_id: str | None = None,
) -> RecordedAbsence:
    """Record ``student_name`` (or ``'*'``: the whole center) away on ``day``."""
    whole_center = student_name.strip() == CENTER
    chosen = parse_kind(kind, whole_center=whole_center)
    when = day if isinstance(day, date) else parse_date(day, what="date")
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        guard_period_write(session, school_id=school_id, day=when)
        if whole_center:
            return _close(session, rt, school_id=school_id, day=when, kind=chosen, actor=actor)
        pupil = find_student(session, school_id=school_id, name=student_name)
        row = session.exec(
            select(Absence).where(Absence.student_id == pupil.id, Absence.day == when)
        ).first()
        if row is not None and row.kind == str(chosen):
            return RecordedAbsence(pupil.name, when, chosen, changed=False)
        before = {"kind": row.kind} if row is not None else None
        row = row or Absence(school_id=school_id, student_id=pupil.id or 0, day=when, kind="")
        after = {"student_id": pupil.id, "day": when.isoformat(), "kind": str(chosen)}
        _save_audited(session, rt, row, kind=chosen, actor=actor, before=before, after=after)
        return RecordedAbsence(pupil.name, when, chosen, changed=True)


def _close(
    session: Session, rt: Runtime, *, school_id: int, day: date, kind: AbsenceKind, actor: str
) -> RecordedAbsence:
    row = session.exec(
        select(Closure).where(Closure.school_id == school_id, Closure.day == day)
    ).first()
    if row is not None and row.kind == str(kind):
        return RecordedAbsence(None, day, kind, changed=False)
    before = {"kind": row.kind} if row is not None else None
    row = row or Closure(school_id=school_id, day=day, kind="")
    after = {"day": day.isoformat(), "kind": str(kind)}
    _save_audited(session, rt, row, kind=kind, actor=actor, before=before, after=after)
    return RecordedAbsence(None, day, kind, changed=True)


def _save_audited(
    session: Session,
    rt: Runtime,
    row: Absence | Closure,
    *,
    kind: AbsenceKind,
    actor: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> None:
    """Save a child's absence or a closure with its new ``kind``, audited as made or changed."""
    row.kind, row.recorded_by, row.recorded_at = str(kind), actor[:64], rt.now()
    session.add(row)
    session.flush()
    write_audit(
        session,
        at=rt.now(),
        actor=actor,
        school_id=row.school_id,
        entity="absence" if isinstance(row, Absence) else "closure",
        entity_id=row.id,
        action="update" if before else "create",
        before=before,
        after=after,
    )


def months_around(start: date, end: date) -> tuple[date, date]:
    """The whole calendar months [start, end] touches: the allowance counts per month."""
    first = start.replace(day=1)
    last = (end.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class AwayDays:
    """A school's absences (by student) and closures, as the report builder takes them."""

    absences: dict[int, dict[date, AbsenceKind]]
    closures: dict[date, AbsenceKind]


def away_days(
    session: Session, school_ids: list[int], start: date, end: date
) -> dict[int, AwayDays]:
    """Each school's absences over the calendar months [start, end] touches and its
    closures in [start, end], in two queries."""
    first, last = months_around(start, end)
    found = {sid: AwayDays(defaultdict(dict), {}) for sid in school_ids}
    if not school_ids:
        return found
    for sid, student_id, day, kind in session.exec(
        select(
            col(Absence.school_id), col(Absence.student_id), col(Absence.day), col(Absence.kind)
        ).where(col(Absence.school_id).in_(school_ids), Absence.day >= first, Absence.day <= last)
    ).all():
        found[sid].absences[student_id][_as_date(day)] = AbsenceKind(kind)
    for sid, day, kind in session.exec(
        select(col(Closure.school_id), col(Closure.day), col(Closure.kind)).where(
            col(Closure.school_id).in_(school_ids), Closure.day >= start, Closure.day <= end
        )
    ).all():
        found[sid].closures[_as_date(day)] = AbsenceKind(kind)
    return found


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
