"""A school's stays as recorded: listing them, and correcting or deleting them.

Every change is one transaction that first asks the submission guard whether the period
may still change, and leaves an audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from core.domain.instants import local_date, local_day_bounds, parse_instant, zone
from core.domain.stay_fix import StayFix, fixed_check_in, fixed_check_out
from core.errors import EditsRefused, InvalidInput, NotFound, PeriodLocked, RollcallError
from core.i18n import N_, _
from core.services.absences import AwayFix, plan_away, save_away
from core.services.audit import delete_stay, save_stay_change, snapshot
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.students import find_student
from core.services.submissions_guard import guard_period_write
from core.store.tables import AttendanceRecord, Student


@dataclass(frozen=True)
class RecordView:
    id: int
    student_id: int
    student_name: str
    check_in: datetime
    check_out: datetime | None


def list_attendance(
    rt: Runtime,
    *,
    school_id: int,
    start: date,
    end: date,
    student_name: str | None = None,
    team_id: str | None = None,
) -> list[RecordView]:
    """Records whose local check-in date is in [start, end], in time order."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        lower, _ = local_day_bounds(start, tz)
        _, upper = local_day_bounds(end, tz)
        query = (
            select(AttendanceRecord, Student)
            .join(Student, col(Student.id) == AttendanceRecord.student_id)
            .where(
                AttendanceRecord.school_id == school_id,
                AttendanceRecord.check_in >= lower,
                AttendanceRecord.check_in < upper,
            )
            .order_by(col(AttendanceRecord.check_in), col(AttendanceRecord.id))
        )
        if student_name is not None:
            pupil = find_student(session, school_id=school_id, name=student_name)
            query = query.where(AttendanceRecord.student_id == pupil.id)
        return [
            RecordView(r.id or 0, s.id or 0, s.name, r.check_in, r.check_out)
            for r, s in session.exec(query)
        ]


def _load_record(session: Session, *, school_id: int, record_id: int) -> AttendanceRecord:
    record = session.get(AttendanceRecord, record_id)
    if record is None or record.school_id != school_id:
        raise NotFound(_("No attendance record {id} in this school.", id=record_id))
    return record


def edit_record(
    rt: Runtime,
    *,
    school_id: int,
    record_id: int,
    check_in: str | None = None,
    check_out: str | None = None,
    actor: str,
    team_id: str | None = None,
) -> AttendanceRecord:
    """Change a record's times; ``check_out=""`` clears the check-out."""
    if check_in is None and check_out is None:
        raise InvalidInput(_("Give a new check-in or check-out time."))
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        record = _load_record(session, school_id=school_id, record_id=record_id)
        before = snapshot(record)
        new_in = (
            parse_instant(check_in, tz, what=N_("check-in time")) if check_in else record.check_in
        )
        if check_out is None:
            new_out = record.check_out
        else:
            new_out = (
                parse_instant(check_out, tz, what=N_("check-out time"))
                if check_out.strip()
                else None
            )
        for day in {local_date(record.check_in, tz), local_date(new_in, tz)}:
            guard_period_write(session, school_id=school_id, day=day)
        record.check_in = new_in
        record.check_out = new_out
        save_stay_change(session, rt, record, before=before, actor=actor, action="edit")
        return record


@dataclass(frozen=True)
class _PlannedEdit:
    record: AttendanceRecord
    check_in: datetime
    check_out: datetime | None


def fix_stays(
    rt: Runtime,
    *,
    school_id: int,
    fixes: Sequence[StayFix],
    actor: str,
    team_id: str | None = None,
    away: Sequence[AwayFix] = (),
) -> int:
    """Correct or delete stays from the review modal, and remove the days away recorded by
    mistake (``away``), all or nothing, in one transaction.

    Each fix is checked first (a day and times the zone names once, a check-out after the
    check-in, a period still open for the old and the new day); any problem raises
    :class:`EditsRefused` keyed by (record ID, ``"day"``/``"in"``/``"out"``/``"delete"``),
    or by (student ID, ``AwayFix.field``), and nothing is saved. A stay fixed ``absent`` is
    deleted and its child recorded absent that day. Returns how many stays and days away
    changed, each audited."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        errors: dict[tuple[int, str], str | RollcallError] = {}
        deletions: list[AttendanceRecord] = []
        absent: list[tuple[int, date]] = []
        planned: list[_PlannedEdit] = []
        for fix in sorted(fixes, key=lambda f: f.record_id):
            try:
                record = _load_record(session, school_id=school_id, record_id=fix.record_id)
            except NotFound:
                errors[(fix.record_id, "day")] = _(
                    "This stay was deleted meanwhile; close this window and review again."
                )
                continue
            if fix.delete or fix.absent:
                day = local_date(record.check_in, tz)
                try:
                    guard_period_write(session, school_id=school_id, day=day)
                    deletions.append(record)
                except PeriodLocked as refusal:
                    errors[(fix.record_id, "delete")] = refusal
                if fix.absent:
                    absent.append((record.student_id, day))
                continue
            plan = _plan_fix(
                session, school_id=school_id, record=record, fix=fix, tz=tz, errors=errors
            )
            if plan is not None:
                planned.append(plan)
        away_plan = plan_away(
            session, school_id=school_id, fixes=away, absent=absent, errors=errors
        )
        if errors:
            raise EditsRefused(errors)
        for record in deletions:
            delete_stay(session, rt, record, actor=actor)
        _save_planned(session, rt, planned, actor=actor)
        days_away = save_away(session, rt, away_plan, school_id=school_id, actor=actor)
        return len(deletions) + len(planned) + days_away


def _plan_fix(
    session: Session,
    *,
    school_id: int,
    record: AttendanceRecord,
    fix: StayFix,
    tz: ZoneInfo,
    errors: dict[tuple[int, str], str | RollcallError],
) -> _PlannedEdit | None:
    """The new times of one picker fix, or None when it changes nothing or is refused."""
    rid = fix.record_id
    new_in, new_out = record.check_in, record.check_out
    try:
        new_in = fixed_check_in(record.check_in, fix, tz)
    except InvalidInput as error:
        errors[(rid, "in")] = error
    try:
        new_out = fixed_check_out(record.check_in, record.check_out, fix, tz)
    except InvalidInput as error:
        errors[(rid, "out")] = error
    if (rid, "in") in errors or (rid, "out") in errors:
        return None
    if new_in == record.check_in and new_out == record.check_out:
        return None
    if new_out is not None and new_out <= new_in:
        errors[(rid, "out")] = _("The check-out must be after the check-in.")
        return None
    for day in sorted({local_date(record.check_in, tz), local_date(new_in, tz)}):
        try:
            guard_period_write(session, school_id=school_id, day=day)
        except PeriodLocked as refusal:
            errors[(rid, "in")] = refusal
            return None
    return _PlannedEdit(record, new_in, new_out)


def _save_planned(
    session: Session, rt: Runtime, planned: Sequence[_PlannedEdit], *, actor: str
) -> list[AttendanceRecord]:
    """Write checked edits, each audited."""
    changed: list[AttendanceRecord] = []
    for plan in planned:
        record = plan.record
        before = snapshot(record)
        record.check_in = plan.check_in
        record.check_out = plan.check_out
        save_stay_change(session, rt, record, before=before, actor=actor, action="edit")
        changed.append(record)
    return changed


def delete_record(
    rt: Runtime, *, school_id: int, record_id: int, actor: str, team_id: str | None = None
) -> None:
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = zone(school.timezone)
        record = _load_record(session, school_id=school_id, record_id=record_id)
        guard_period_write(session, school_id=school_id, day=local_date(record.check_in, tz))
        delete_stay(session, rt, record, actor=actor)
