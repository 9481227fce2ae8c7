"""Recording absences and closures, removing one recorded by mistake, and reading them
for reports.

A child's absence is one row per child and day (recording another kind that day changes
it); a closure is one row per center and day. Recording and removing are audited, refused
in a submitted period and void an approval of the period they fall in, as an attendance
change does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, cast, null, union_all
from sqlmodel import Session, col, select

from core.domain.absences import CENTER, AbsenceKind, parse_kind
from core.domain.instants import parse_date
from core.errors import AbsenceNotRecorded, PeriodLocked, RollcallError
from core.i18n import _
from core.services.audit import write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.students import find_student
from core.services.submissions_guard import guard_period_write
from core.store.tables import Absence, Closure


@dataclass(frozen=True)
class RecordedAbsence:
    student_name: str | None
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
        row = _absence_row(session, pupil.id or 0, when)
        if row is not None and row.kind == str(chosen):
            return RecordedAbsence(pupil.name, when, chosen, changed=False)
        before = {"kind": row.kind} if row is not None else None
        row = row or Absence(school_id=school_id, student_id=pupil.id or 0, day=when, kind="")
        after = {"student_id": pupil.id, "day": when.isoformat(), "kind": str(chosen)}
        _save_audited(session, rt, row, kind=chosen, actor=actor, before=before, after=after)
        return RecordedAbsence(pupil.name, when, chosen, changed=True)


@dataclass(frozen=True)
class RemovedAbsence:
    student_name: str | None
    """The child's name; None for a closure of the whole center."""
    day: date
    kind: AbsenceKind
    """What the removed day had been recorded as."""


def delete_absence(
    rt: Runtime,
    *,
    school_id: int,
    student_name: str,
    day: str | date,
    actor: str,
    team_id: str | None = None,
) -> RemovedAbsence:
    """Remove ``student_name``'s absence (or with ``'*'`` the center's closure) on ``day``,
    recorded by mistake; refused when nothing is recorded that day."""
    whole_center = student_name.strip() == CENTER
    when = day if isinstance(day, date) else parse_date(day, what="date")
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        guard_period_write(session, school_id=school_id, day=when)
        if whole_center:
            row: Absence | Closure | None = _closure_row(session, school_id, when)
            if row is None:
                raise AbsenceNotRecorded(None, when)
            name = None
        else:
            pupil = find_student(session, school_id=school_id, name=student_name)
            row, name = _absence_row(session, pupil.id or 0, when), pupil.name
            if row is None:
                raise AbsenceNotRecorded(pupil.name, when)
        kind = AbsenceKind(row.kind)
        _delete_audited(session, rt, row, actor=actor)
        return RemovedAbsence(name, when, kind)


@dataclass(frozen=True)
class AwayFix:
    """A day away the review modal removes: the child's own absence, or (``student_id``
    None) the center's closure."""

    student_id: int | None
    day: date

    @property
    def field(self) -> str:
        """The key of this fix's refusal in :class:`core.errors.EditsRefused`."""
        return f"away:{self.day.isoformat()}"


@dataclass(frozen=True)
class AwayPlan:
    """What a batch of review fixes does to days away, checked and not yet saved."""

    removals: list[Absence | Closure]
    absent: list[tuple[int, date]]
    """(student ID, day) to record absent: a stay deleted because the child was away."""


def plan_away(
    session: Session,
    *,
    school_id: int,
    fixes: Sequence[AwayFix],
    absent: Sequence[tuple[int, date]],
    errors: dict[tuple[int, str], str | RollcallError],
) -> AwayPlan:
    """Check each removal (the row still there, its period open) within the caller's
    transaction; a problem goes into ``errors`` keyed by (student ID or 0, ``fix.field``)."""
    removals: list[Absence | Closure] = []
    for fix in fixes:
        key = (fix.student_id or 0, fix.field)
        row: Absence | Closure | None = (
            _closure_row(session, school_id, fix.day)
            if fix.student_id is None
            else _absence_row(session, fix.student_id, fix.day)
        )
        if row is None or row.school_id != school_id:
            errors[key] = _("Removed meanwhile; close this window and review again.")
            continue
        try:
            guard_period_write(session, school_id=school_id, day=fix.day)
        except PeriodLocked as refusal:
            errors[key] = refusal
            continue
        removals.append(row)
    return AwayPlan(removals, sorted(set(absent)))


def save_away(session: Session, rt: Runtime, plan: AwayPlan, *, school_id: int, actor: str) -> int:
    """Save a checked :class:`AwayPlan`, each change audited; how many days changed."""
    changed = len(plan.removals)
    for row in plan.removals:
        _delete_audited(session, rt, row, actor=actor)
    for student_id, day in plan.absent:
        found = _absence_row(session, student_id, day)
        if found is not None and found.kind == str(AbsenceKind.ABSENT):
            continue
        changed += 1
        before = {"kind": found.kind} if found is not None else None
        absence = found or Absence(school_id=school_id, student_id=student_id, day=day, kind="")
        after = {"student_id": student_id, "day": day.isoformat(), "kind": "absent"}
        _save_audited(
            session, rt, absence, kind=AbsenceKind.ABSENT, actor=actor, before=before, after=after
        )
    return changed


def _absence_row(session: Session, student_id: int, day: date) -> Absence | None:
    return session.exec(
        select(Absence).where(Absence.student_id == student_id, Absence.day == day)
    ).first()


def _closure_row(session: Session, school_id: int, day: date) -> Closure | None:
    return session.exec(
        select(Closure).where(Closure.school_id == school_id, Closure.day == day)
    ).first()


def _delete_audited(session: Session, rt: Runtime, row: Absence | Closure, *, actor: str) -> None:
    """Delete a child's absence or a closure, what it was kept in the audit log (IDs only)."""
    before: dict[str, Any] = {"day": _as_date(row.day).isoformat(), "kind": row.kind}
    if isinstance(row, Absence):
        before["student_id"] = row.student_id
    write_audit(
        session,
        at=rt.now(),
        actor=actor,
        school_id=row.school_id,
        entity="absence" if isinstance(row, Absence) else "closure",
        entity_id=row.id,
        action="delete",
        before=before,
        after=None,
    )
    session.delete(row)
    session.flush()


def _close(
    session: Session, rt: Runtime, *, school_id: int, day: date, kind: AbsenceKind, actor: str
) -> RecordedAbsence:
    row = _closure_row(session, school_id, day)
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
    closures in [start, end], in one query (a closure is the row with no student)."""
    first, last = months_around(start, end)
    found = {sid: AwayDays(defaultdict(dict), {}) for sid in school_ids}
    if not school_ids:
        return found
    absences = select(
        col(Absence.school_id), col(Absence.student_id), col(Absence.day), col(Absence.kind)
    ).where(col(Absence.school_id).in_(school_ids), Absence.day >= first, Absence.day <= last)
    closures = select(
        col(Closure.school_id), cast(null(), Integer), col(Closure.day), col(Closure.kind)
    ).where(col(Closure.school_id).in_(school_ids), Closure.day >= start, Closure.day <= end)
    for sid, student_id, day, kind in session.execute(union_all(absences, closures)).all():
        if student_id is None:
            found[sid].closures[_as_date(day)] = AbsenceKind(kind)
        else:
            found[sid].absences[student_id][_as_date(day)] = AbsenceKind(kind)
    return found


def school_away_days(
    rt: Runtime, *, school_id: int, start: date, end: date, team_id: str | None = None
) -> AwayDays:
    """One school's :func:`away_days` (the review modal names what each day away is)."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        return away_days(session, [school_id], start, end)[school_id]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
