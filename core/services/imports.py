"""Importing an attendance CSV: all or nothing, and safe to import twice.

The file is read by :mod:`core.domain.attendance_csv`; here it is checked against the
school (submitted periods, unknown students) and stored in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlmodel import Session, select

from core.domain.attendance_csv import AttendanceRow, AwayRow, decode, parse_rows
from core.domain.instants import local_date, zone
from core.domain.names import name_key
from core.errors import ImportRefused, RollcallError
from core.services.audit import write_audit
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.submissions_guard import guard_days, lock_school
from core.store.tables import Absence, AttendanceRecord, Closure, Student


@dataclass
class ImportResult:
    added: int = 0
    duplicates: int = 0
    """Rows identical to a record already stored: skipped, so importing a file twice is safe."""
    students_added: list[str] = field(default_factory=list)
    absences: int = 0
    """Days away recorded (absences and closures) from the ``absence`` column."""


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
    text = decode(content)
    with rt.session() as session:
        school = get_school(session, school_id=school_id, team_id=team_id)
        lock_school(session, school_id=school_id)
        tz = zone(school.timezone)
        students = {
            s.name_key: s
            for s in session.exec(select(Student).where(Student.school_id == school_id))
        }
        rows, away, problems, unknown = parse_rows(text, tz, students, add_students=add_students)
        days = {local_date(r.check_in, tz) for r in rows} | {a.day for a in away}
        guard = guard_days(session, school_id=school_id, days=days)
        locked = guard.refusals(days)
        refused: list[tuple[int, str | RollcallError]] = [*problems]
        refused += [
            (row.line, locked[local_date(row.check_in, tz)])
            for row in rows
            if local_date(row.check_in, tz) in locked
        ]
        refused += [(a.line, locked[a.day]) for a in away if a.day in locked]
        if refused:
            raise ImportRefused(refused, unknown_students=unknown)
        result = ImportResult()
        named = [(r.student_name) for r in rows] + [a.student_name for a in away if a.student_name]
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
            student = students[name_key(row.student_name)]
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


def _store_away(
    session: Session,
    school_id: int,
    away: list[AwayRow],
    students: dict[str, Student],
    actor: str,
    now: datetime,
) -> int:
    """Record the file's days away (a later row of the same child and day wins); returns
    how many changed."""
    changed = 0
    for row in away:
        if row.student_name is None:
            found = session.exec(
                select(Closure).where(Closure.school_id == school_id, Closure.day == row.day)
            ).first()
            target: Closure | Absence = found or Closure(school_id=school_id, day=row.day, kind="")
        else:
            pupil = students[name_key(row.student_name)]
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


def _existing_keys(
    session: Session, *, school_id: int, rows: list[AttendanceRow], tz: ZoneInfo
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
