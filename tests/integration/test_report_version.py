"""The database keeps each school's report version (migration 0015): every insert, update
and delete of a row a report is made of moves it, whatever code or SQL wrote the row;
writes to anything else do not. A claim trusts the approval's records only while the
version is the one the approval saw (core.services.sending), so a table the report reads
without such triggers would let stale records be sent: the last test keeps the list of
watched tables and the report's queries in step."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from sqlalchemy import Engine, text
from sqlmodel import Session, SQLModel

from core.services import schools
from core.services.reports import ReportRequest, school_reports
from core.services.runtime import Runtime
from core.store.report_version import REPORT_INPUTS, report_version
from core.store.tables import (
    Absence,
    AttendanceRecord,
    Closure,
    Director,
    PayPeriodRow,
    Registration,
    Reminder,
    Student,
)
from tests.statements import statements

DAY = date(2026, 11, 9)


def _version(db: Engine, school_id: int) -> int:
    with Session(db) as session:
        found = report_version(session, school_id=school_id)
    assert found is not None
    return found


def _insert(db: Engine, row: SQLModel) -> int:
    with Session(db) as session:
        session.add(row)
        session.commit()
        return int(getattr(row, "id", 0) or 0)


def test_a_row_written_to_any_report_input_moves_the_version(rt: Runtime, db: Engine) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    other = schools.add_school(rt, name="Other Place").id or 0
    child = _insert(db, Student(school_id=sid, name="Ava", name_key="ava", child_id="123456"))
    new_rows: dict[str, SQLModel] = {
        "registration": Registration(school_id=sid, provider_id="12345"),
        "pay_period": PayPeriodRow(school_id=sid, start=date(2026, 11, 8), end=date(2026, 11, 21)),
        "student": Student(school_id=sid, name="Ben", name_key="ben"),
        "attendance": AttendanceRecord(
            school_id=sid, student_id=child, check_in=datetime.combine(DAY, time(14), tzinfo=UTC)
        ),
        "absence": Absence(school_id=sid, student_id=child, day=DAY, kind="absent"),
        "closure": Closure(school_id=sid, day=date(2026, 11, 11), kind="closed"),
    }
    assert set(new_rows) == set(REPORT_INPUTS)  # every watched table is exercised here

    for table in REPORT_INPUTS:
        before, untouched = _version(db, sid), _version(db, other)
        _insert(db, new_rows[table])
        assert _version(db, sid) > before, f"an insert into {table}"

        before = _version(db, sid)
        with db.begin() as connection:
            connection.execute(
                text(f"UPDATE {table} SET school_id = school_id WHERE school_id = :sid"),
                {"sid": sid},
            )
        assert _version(db, sid) > before, f"an update of {table}"
        assert _version(db, other) == untouched, f"{table}: another school's version moved"

    for table in reversed(REPORT_INPUTS):
        before = _version(db, sid)
        with db.begin() as connection:
            connection.execute(text(f"DELETE FROM {table} WHERE school_id = :sid"), {"sid": sid})
        assert _version(db, sid) > before, f"a delete from {table}"


def test_the_time_zone_moves_the_version_and_other_school_fields_do_not(
    rt: Runtime, db: Engine
) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    start = _version(db, sid)

    with db.begin() as connection:
        connection.execute(
            text(
                "UPDATE school SET reminder_channel = 'C1', closing_time = '17:00:00' "
                "WHERE id = :sid"
            ),
            {"sid": sid},
        )
    assert _version(db, sid) == start
    with db.begin() as connection:
        connection.execute(
            text("UPDATE school SET timezone = timezone WHERE id = :sid"), {"sid": sid}
        )
    assert _version(db, sid) == start  # the same zone written again changes nothing
    with db.begin() as connection:
        connection.execute(
            text("UPDATE school SET timezone = 'America/Denver' WHERE id = :sid"), {"sid": sid}
        )
    assert _version(db, sid) == start + 1


def test_rows_a_report_does_not_read_leave_the_version_alone(rt: Runtime, db: Engine) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    start = _version(db, sid)

    _insert(db, Director(school_id=sid, user_id="U1", added_by="t"))
    _insert(db, Reminder(school_id=sid, period_start=date(2026, 11, 8), kind="closing"))

    assert _version(db, sid) == start


def test_a_transaction_moves_the_version_once_on_postgresql(rt: Runtime, db: Engine) -> None:
    """PostgreSQL's triggers move a school's version once per transaction: an import's
    hundred records write the school row once, not a hundred times (each write leaves a
    dead row version behind until vacuumed). The next transaction moves it again. SQLite
    has only row triggers and moves it per row."""
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    start = _version(db, sid)
    insert = text(
        "INSERT INTO closure (school_id, day, kind, recorded_by, recorded_at) VALUES "
        "(:sid, :day, 'closed', 't', CURRENT_TIMESTAMP)"
    )

    with db.begin() as connection:
        for day in ("2026-11-10", "2026-11-11", "2026-11-12"):
            connection.execute(insert, {"sid": sid, "day": day})
    once = _version(db, sid) - start
    with db.begin() as connection:
        connection.execute(insert, {"sid": sid, "day": "2026-11-13"})

    assert once == (1 if db.dialect.name == "postgresql" else 3)
    assert _version(db, sid) - start == once + 1


def test_every_table_a_report_reads_is_watched(rt: Runtime, db: Engine) -> None:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    request = ReportRequest(sid, date(2026, 11, 8), date(2026, 11, 21))

    with statements(db) as sent:
        school_reports(rt, [request])

    read = {
        name.lower()
        for statement in sent
        for name in re.findall(r"\b(?:FROM|JOIN)\s+\"?(\w+)", statement, flags=re.IGNORECASE)
    }
    assert "attendance" in read and "student" in read  # the pattern finds the tables
    assert read - {"school", "submission"} <= set(REPORT_INPUTS), read
