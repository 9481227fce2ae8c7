"""The per-school lock: FOR NO KEY UPDATE (rows that reference the school are not held up,
a second holder is), and an import that takes it once and reads its periods in one query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from core.errors import InvalidInput
from core.services import approvals, imports, schools, sending, students
from core.services.runtime import Runtime
from core.services.submissions_guard import lock_school
from core.store.tables import AttendanceRecord, Reminder, School, Submission
from tests.statements import statements

HEADER = "student,check_in,check_out\n"
CHILDREN = [f"Child {n}" for n in range(7)]


def _school(rt: Runtime) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    for n, name in enumerate(CHILDREN):
        students.add_student(rt, school_id=sid, name=name, child_id=f"{500000 + n}", actor="t")
    return sid


def _file(first: date, days: int) -> str:
    rows = [
        f"{name},{day.isoformat()}T08:00,{day.isoformat()}T16:00\n"
        for day in (first + timedelta(d) for d in range(days))
        for name in CHILDREN
    ]
    return HEADER + "".join(rows)


def _data_statements(sent: list[str]) -> list[str]:
    return [s for s in sent if not s.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT"))]


def test_the_lock_is_for_no_key_update_on_postgresql(db: Engine) -> None:
    with Session(db) as session, statements(db) as sent:
        lock_school(session, school_id=1)
    (locking,) = _data_statements(sent)
    assert "FOR" not in locking.upper() or "FOR NO KEY UPDATE" in locking.upper()
    if db.dialect.name == "postgresql":
        assert "FOR NO KEY UPDATE" in locking.upper()
    statement = select(School.id).where(School.id == 1).with_for_update(key_share=True)
    assert "FOR NO KEY UPDATE" in str(statement.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def test_an_import_reads_its_periods_once_whatever_the_days_it_spans(
    rt: Runtime, db: Engine
) -> None:
    """14 days of 7 children (98 rows) cost as many statements as 1 day: one lock, one read
    of the periods for the file's range, one of the rows already there, one batch insert."""
    sid = _school(rt)
    counts = {}
    for first, days in ((date(2026, 11, 9), 1), (date(2026, 11, 23), 14)):
        with statements(db) as sent:
            result = imports.import_csv(rt, school_id=sid, content=_file(first, days), actor="t")
        assert result.added == 7 * days
        counts[days] = _data_statements(sent)
    assert len(counts[14]) == len(counts[1]), counts[14]
    assert len(counts[14]) <= 8, "\n".join(counts[14])
    locks = [s for s in counts[14] if "FOR" in s.upper() and "UPDATE" in s.upper()]
    if db.dialect.name == "postgresql":
        assert len(locks) == 2, locks  # the school, then the file's periods


def test_an_import_over_an_approved_period_voids_it_and_one_over_a_submitted_one_is_refused(
    rt: Runtime, db: Engine
) -> None:
    sid = _school(rt)
    imports.import_csv(rt, school_id=sid, content=_file(date(2026, 11, 9), 2), actor="t")
    view = approvals.approve(
        rt, school_id=sid, start=date(2026, 11, 8), end=date(2026, 11, 21), approved_by="U1"
    )

    imports.import_csv(rt, school_id=sid, content=_file(date(2026, 11, 12), 1), actor="t")

    with Session(db) as session:
        voided = session.get(Submission, view.id)
        assert voided is not None and voided.state == "draft"
        assert "2026-11-12 changed after approval" in (voided.error or "")
    view = approvals.approve(
        rt, school_id=sid, start=date(2026, 11, 8), end=date(2026, 11, 21), approved_by="U1"
    )
    sending.run_submission(rt, submission_id=view.id)
    spanning = _file(date(2026, 11, 20), 4)  # two days submitted, two days in the next period
    with pytest.raises(InvalidInput) as refused:
        imports.import_csv(rt, school_id=sid, content=spanning, actor="t")
    assert "14 bad rows" in str(refused.value)
    with Session(db) as session:
        after = session.exec(
            select(AttendanceRecord).where(
                AttendanceRecord.check_in >= datetime(2026, 11, 20, tzinfo=UTC)
            )
        ).all()
    assert after == []


def _lock_timeout(session: Session) -> None:
    session.exec(text("SET LOCAL lock_timeout = '300ms'"))  # type: ignore[call-overload]


def test_rows_that_reference_a_locked_school_are_still_written_but_a_second_lock_waits(
    rt: Runtime, db: Engine
) -> None:
    """FOR UPDATE would also block the KEY SHARE lock an insert takes on the school it
    references (reminders, Slack messages, audit); FOR NO KEY UPDATE does not."""
    if db.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serializes whole write transactions")
    sid = _school(rt)
    with Session(db) as holder:
        lock_school(holder, school_id=sid)
        with Session(db) as other:
            _lock_timeout(other)
            other.add(Reminder(school_id=sid, period_start=date(2026, 11, 8), kind="due_soon"))
            other.commit()
        with Session(db) as rival:
            _lock_timeout(rival)
            with pytest.raises(OperationalError, match="lock timeout"):
                lock_school(rival, school_id=sid)
        holder.rollback()
    with Session(db) as session:
        assert len(session.exec(select(Reminder)).all()) == 1


def _lock_comes_first(sent: list[str], table: str) -> bool:
    """Whether the school's lock is taken before the first write to ``table``."""
    work = _data_statements(sent)
    lock = next(i for i, s in enumerate(work) if "SELECT school.report_version" in s)
    write = next(
        i
        for i, s in enumerate(work)
        if s.lstrip().upper().startswith(("INSERT", "UPDATE"))
        and f" {table}" in s.split("(")[0].split(" SET")[0]
    )
    return lock < write


def test_writers_of_children_and_providers_take_the_schools_lock_before_writing(
    rt: Runtime, db: Engine
) -> None:
    """A write to a report's tables moves the school's report version, which writes the
    school row (migration 0015's triggers). Every such writer takes the school's lock
    first, as attendance writes do: a writer that took the school row only through its
    trigger, after its own rows, could deadlock with one holding the lock (a pay-period
    refresh, an import) and waiting for those rows."""
    sid = schools.add_school(rt, name="Sunny Days").id or 0

    with statements(db) as sent:
        schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    assert _lock_comes_first(sent, "registration")

    with statements(db) as sent:
        students.add_student(rt, school_id=sid, name="Ava Smith", actor="t")
    assert _lock_comes_first(sent, "student")

    with statements(db) as sent:
        students.link_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    assert _lock_comes_first(sent, "student")
