"""Logging attendance: check-in/out, CSV import, edits and deletions.

Every write is one transaction that first asks the submission guard whether the period
may still change, and leaves an audit entry.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, col, select

from core.domain.absences import CENTER, AbsenceKind, parse_kind
from core.domain.control import describe, first_control_character
from core.domain.instants import (
    local_date,
    local_day_bounds,
    parse_date,
    parse_instant,
    show,
    whole_second,
    zone,
)
from core.domain.names import clean_name, name_key
from core.domain.stay_fix import StayFix, fixed_check_in, fixed_check_out
from core.errors import (
    Conflict,
    EditsRefused,
    ImportRefused,
    InvalidInput,
    NotFound,
    OlderStayOpen,
    PeriodLocked,
    UnknownStudent,
)
from core.i18n import N_, _
from core.services.audit import snapshot, write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.students import find_student
from core.services.submissions_guard import guard_days, guard_period_write, lock_school
from core.store.tables import Absence, AttendanceRecord, Closure, School, Student

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 50_000
IMPORT_HEADER = ("student", "check_in", "check_out")
ABSENCE_HEADER = (*IMPORT_HEADER, "absence")
"""The optional fourth column: a row with an ``absence`` kind and no times records a day
away, its ``check_in`` column holding the date ('*' as the student: the whole center)."""


@dataclass(frozen=True)
class RecordView:
    id: int
    student_id: int
    student: str
    check_in: datetime
    check_out: datetime | None


def _school_zone(school: School) -> ZoneInfo:
    return zone(school.timezone)


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
        tz = _school_zone(school)
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
                    time=show(open_record.check_in, tz),
                )
            )
        guard_period_write(session, school_id=school_id, day=local_date(when, tz))
        record = AttendanceRecord(
            school_id=school_id, student_id=pupil.id or 0, check_in=when, source=source
        )
        session.add(record)
        session.flush()
        _audit(
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
        tz = _school_zone(school)
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
                    time=show(record.check_in, tz),
                )
            )
        guard_period_write(session, school_id=school_id, day=local_date(record.check_in, tz))
        before = snapshot(record)
        record.check_out = when
        _save_changed(session, rt, record, before=before, actor=actor, action="check_out")
        return record


def _lock_student(session: Session, student: Student) -> Student:
    """Hold the student's row until commit, so two simultaneous check-ins (a double click)
    queue up and the second one sees the first one's open stay (PostgreSQL; SQLite already
    serializes writers with BEGIN IMMEDIATE)."""
    session.exec(
        select(Student.id).where(Student.id == student.id).with_for_update(key_share=True)
    ).first()
    return student


def _save_changed(
    session: Session,
    rt: Runtime,
    record: AttendanceRecord,
    *,
    before: dict[str, object],
    actor: str,
    action: str,
) -> None:
    """Stamp, stage and audit a change made to ``record`` since ``before`` was taken."""
    record.updated_at = rt.now()
    session.add(record)
    _audit(
        session,
        rt,
        actor=actor,
        record=record,
        action=action,
        before=before,
        after=snapshot(record),
    )


def _delete_audited(session: Session, rt: Runtime, record: AttendanceRecord, *, actor: str) -> None:
    """Delete ``record``, its last state kept in the audit log."""
    _audit(
        session,
        rt,
        actor=actor,
        record=record,
        action="delete",
        before=snapshot(record),
        after=None,
    )
    session.delete(record)


def _audit(
    session: Session,
    rt: Runtime,
    *,
    actor: str,
    record: AttendanceRecord,
    action: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    """One audit entry for one record's change (IDs and times, never names)."""
    write_audit(
        session,
        at=rt.now(),
        actor=actor,
        school_id=record.school_id,
        entity="attendance",
        entity_id=record.id,
        action=action,
        before=before,
        after=after,
    )


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


@dataclass(frozen=True)
class RollCallEntry:
    student_id: int
    student: str
    checked_in_at: datetime | None
    """The start of the child's open stay of today, or None when they are not checked in."""
    away: str | None = None
    """Today's absence kind of the child (or the center's closure), if one is recorded."""


def roll_call(rt: Runtime, *, school_id: int, team_id: str | None = None) -> list[RollCallEntry]:
    """Every student of the school, by name, with the start of their open stay of today
    (if any): the same "checked in" as :func:`check_in` and :func:`check_out` use."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = _school_zone(school)
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


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    """Rows identical to a record already stored: skipped, so importing a file twice is safe."""
    students_added: list[str] = field(default_factory=list)
    absences: int = 0
    """Days away recorded (absences and closures) from the ``absence`` column."""


@dataclass(frozen=True)
class _Row:
    line: int
    student: str
    check_in: datetime
    check_out: datetime | None


@dataclass(frozen=True)
class _AwayRow:
    line: int
    student: str | None
    """None: the whole center."""
    day: date
    kind: AbsenceKind


def import_csv(
    rt: Runtime,
    *,
    school_id: int,
    content: bytes | str,
    actor: str,
    add_students: bool = False,
    team_id: str | None = None,
) -> ImportResult:
    """All or nothing: any bad row refuses the whole file, naming each bad row and why.

    The school is locked before anything is read: two imports of one file at once (a
    director who sends it again while the first is still running) must see each other's
    rows, so that the second adds nothing."""
    text = _decode(content)
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        lock_school(session, school_id=school_id)
        tz = _school_zone(school)
        students = {
            s.name_key: s
            for s in session.exec(select(Student).where(Student.school_id == school_id))
        }
        rows, away, problems, unknown = _parse_rows(text, tz, students, add_students=add_students)
        days = {local_date(r.check_in, tz) for r in rows} | {a.day for a in away}
        guard = guard_days(session, school_id=school_id, days=days)
        locked = guard.refusals(days)
        problems += [
            (row.line, str(locked[local_date(row.check_in, tz)]))
            for row in rows
            if local_date(row.check_in, tz) in locked
        ]
        problems += [(a.line, str(locked[a.day])) for a in away if a.day in locked]
        if problems:
            raise ImportRefused(problems, unknown_students=unknown)
        result = ImportResult()
        named = [(r.student) for r in rows] + [a.student for a in away if a.student]
        for key in sorted({name_key(n) for n in named} - students.keys()):
            name = next(n for n in named if name_key(n) == key)
            student = Student(school_id=school_id, name=name, name_key=key)
            session.add(student)
            session.flush()
            students[key] = student
            result.students_added.append(name)
        existing = _existing_keys(session, school_id=school_id, rows=rows, tz=tz)
        guard.void_approvals(session, days)
        now = rt.now()
        new_records: list[dict[str, object]] = []
        for row in rows:
            student = students[name_key(row.student)]
            identity = (student.id, row.check_in, row.check_out)
            if identity in existing:
                result.duplicates += 1
                continue
            existing.add(identity)
            new_records.append(
                {
                    "school_id": school_id,
                    "student_id": student.id or 0,
                    "check_in": row.check_in,
                    "check_out": row.check_out,
                    "source": "import",
                    "created_at": now,
                    "updated_at": now,
                }
            )
        if new_records:
            session.execute(insert(AttendanceRecord), new_records)  # one batch
        result.added = len(new_records)
        result.absences = _store_away(session, school_id, away, students, actor, now)
        session.flush()
        write_audit(
            session,
            at=rt.now(),
            actor=actor,
            school_id=school_id,
            entity="attendance",
            entity_id=None,
            action="import",
            after={"added": result.added, "duplicates": result.duplicates, "rows": len(rows)}
            | ({"absences": result.absences} if result.absences else {}),
        )
        return result


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is larger than {megabytes} MB.",
                megabytes=MAX_IMPORT_BYTES // 1_000_000,
            )
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is not UTF-8 text. Save it from your "
                "spreadsheet as 'CSV UTF-8'."
            )
        ) from error


def _store_away(
    session: Session,
    school_id: int,
    away: list[_AwayRow],
    students: dict[str, Student],
    actor: str,
    now: datetime,
) -> int:
    """Record the file's days away (a later row of the same child and day wins); returns
    how many changed."""
    changed = 0
    for row in away:
        if row.student is None:
            found = session.exec(
                select(Closure).where(Closure.school_id == school_id, Closure.day == row.day)
            ).first()
            target: Closure | Absence = found or Closure(school_id=school_id, day=row.day, kind="")
        else:
            pupil = students[name_key(row.student)]
            own = session.exec(
                select(Absence).where(Absence.student_id == pupil.id, Absence.day == row.day)
            ).first()
            target = own or Absence(
                school_id=school_id, student_id=pupil.id or 0, day=row.day, kind=""
            )
        if target.kind == str(row.kind):
            continue
        target.kind, target.recorded_by, target.recorded_at = str(row.kind), actor[:64], now
        session.add(target)
        session.flush()
        changed += 1
    return changed


def _away_row(line: int, fields: list[str]) -> _AwayRow:
    """A row of the ``absence`` column: no times, the date in ``check_in``."""
    whole_center = fields[0].strip() == CENTER
    kind = parse_kind(fields[3], whole_center=whole_center)
    if fields[2].strip():
        raise InvalidInput(_("a row with an absence has no check_out"))
    day = parse_date(fields[1], what=N_("date (check_in column of an absence row)"))
    name = None if whole_center else clean_name(fields[0], what=N_("student name"))
    return _AwayRow(line, name, day, kind)


def _parse_rows(
    text: str, tz: ZoneInfo, students: dict[str, Student], *, add_students: bool
) -> tuple[list[_Row], list[_AwayRow], list[tuple[int, str]], bool]:
    """The rows, the days away, each bad row as (line, why), and whether a row names a
    student Rollcall lacks (the interface says how to add them)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("Nothing was imported: the file is empty.")) from None
    except csv.Error as error:
        raise InvalidInput(
            _("Nothing was imported: the file is not valid CSV ({error}).", error=error)
        ) from error
    if any(first_control_character(h) for h in header):
        raise InvalidInput(_("Nothing was imported: the header line contains a control character."))
    columns = tuple(h.strip().lower() for h in header)
    if columns not in (IMPORT_HEADER, ABSENCE_HEADER):
        raise InvalidInput(
            _(
                "Nothing was imported: the first line must be the header "
                "'student,check_in,check_out' (found {found}).",
                found=repr(",".join(header)[:80]),
            )
        )
    rows: list[_Row] = []
    away: list[_AwayRow] = []
    problems: list[tuple[int, str]] = []
    unknown = False
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(rows) + len(away) + len(problems) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    _("Nothing was imported: more than {count} rows.", count=MAX_IMPORT_ROWS)
                )
            bad = next(
                (
                    (column, ch)
                    for column, field in zip(columns, fields, strict=False)
                    if (ch := first_control_character(field)) is not None
                ),
                None,
            )
            if bad is not None:
                problems.append(
                    (line, f"the {bad[0]} field contains a control character, {describe(bad[1])}")
                )
                continue
            if len(fields) != len(columns):
                problems.append(
                    (line, _("expected 3 columns, found {count}", count=len(fields)))
                    if len(columns) == 3
                    else (
                        line,
                        _(
                            "expected {columns} columns, found {count}",
                            columns=len(columns),
                            count=len(fields),
                        ),
                    )
                )
                continue
            try:
                if len(fields) == 4 and fields[3].strip():
                    entry = _away_row(line, fields)
                    known = entry.student is None or name_key(entry.student) in students
                    if not known and not add_students:
                        raise UnknownStudent(entry.student or "")
                    away.append(entry)
                    continue
                name = clean_name(fields[0], what=N_("student name"))
                if name_key(name) not in students and not add_students:
                    raise UnknownStudent(name)
                start = parse_instant(fields[1], tz, what=N_("check_in"))
                end = (
                    parse_instant(fields[2], tz, what=N_("check_out"))
                    if fields[2].strip()
                    else None
                )
            except InvalidInput as error:
                problems.append((line, str(error)))
                unknown = unknown or isinstance(error, UnknownStudent)
                continue
            rows.append(_Row(line, name, start, end))
    except csv.Error as error:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is not valid CSV near line {line} ({error}).",
                line=reader.line_num,
                error=error,
            )
        ) from error
    if not rows and not away and not problems:
        raise InvalidInput(_("Nothing was imported: the file has a header but no rows."))
    return rows, away, problems, unknown


def _existing_keys(
    session: Session, *, school_id: int, rows: list[_Row], tz: ZoneInfo
) -> set[tuple[int | None, datetime, datetime | None]]:
    first = min(r.check_in for r in rows)
    last = max(r.check_in for r in rows)
    found = session.exec(
        select(AttendanceRecord).where(
            AttendanceRecord.school_id == school_id,
            AttendanceRecord.check_in >= first,
            AttendanceRecord.check_in <= last,
        )
    )
    return {(r.student_id, r.check_in, r.check_out) for r in found}


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
        tz = _school_zone(school)
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
        tz = _school_zone(school)
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
        _save_changed(session, rt, record, before=before, actor=actor, action="edit")
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
) -> int:
    """Correct or delete stays from the review modal, all or nothing, in one transaction.

    Each fix is checked first (a day and times the zone names once, a check-out after the
    check-in, a period still open for the old and the new day); any problem raises
    :class:`EditsRefused` keyed by (record ID, ``"day"``/``"in"``/``"out"``/``"delete"``)
    and nothing is saved. Returns how many stays changed or were deleted, each audited."""
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = _school_zone(school)
        errors: dict[tuple[int, str], str] = {}
        deletions: list[AttendanceRecord] = []
        planned: list[_PlannedEdit] = []
        for fix in sorted(fixes, key=lambda f: f.record_id):
            try:
                record = _load_record(session, school_id=school_id, record_id=fix.record_id)
            except NotFound:
                errors[(fix.record_id, "day")] = _(
                    "This stay was deleted meanwhile; close this window and review again."
                )
                continue
            if fix.delete:
                try:
                    guard_period_write(
                        session, school_id=school_id, day=local_date(record.check_in, tz)
                    )
                    deletions.append(record)
                except PeriodLocked as refusal:
                    errors[(fix.record_id, "delete")] = str(refusal)
                continue
            plan = _plan_fix(
                session, school_id=school_id, record=record, fix=fix, tz=tz, errors=errors
            )
            if plan is not None:
                planned.append(plan)
        if errors:
            raise EditsRefused(errors)
        for record in deletions:
            _delete_audited(session, rt, record, actor=actor)
        _save_planned(session, rt, planned, actor=actor)
        return len(deletions) + len(planned)


def _plan_fix(
    session: Session,
    *,
    school_id: int,
    record: AttendanceRecord,
    fix: StayFix,
    tz: ZoneInfo,
    errors: dict[tuple[int, str], str],
) -> _PlannedEdit | None:
    """The new times of one picker fix, or None when it changes nothing or is refused."""
    rid = fix.record_id
    new_in, new_out = record.check_in, record.check_out
    try:
        new_in = fixed_check_in(record.check_in, fix, tz)
    except InvalidInput as error:
        errors[(rid, "in")] = str(error)
    try:
        new_out = fixed_check_out(record.check_in, record.check_out, fix, tz)
    except InvalidInput as error:
        errors[(rid, "out")] = str(error)
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
            errors[(rid, "in")] = str(refusal)
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
        _save_changed(session, rt, record, before=before, actor=actor, action="edit")
        changed.append(record)
    return changed


def delete_record(
    rt: Runtime, *, school_id: int, record_id: int, actor: str, team_id: str | None = None
) -> None:
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        tz = _school_zone(school)
        record = _load_record(session, school_id=school_id, record_id=record_id)
        guard_period_write(session, school_id=school_id, day=local_date(record.check_in, tz))
        _delete_audited(session, rt, record, actor=actor)
