"""Attendance instants in the database: kept to the whole second, read back as epoch
seconds that equal the instants stored (on SQLite, old and new, and on PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from core.domain.instants import to_seconds
from core.store.database import alembic_config, make_engine, migrate
from core.store.queries import epoch_seconds, records_near_query
from core.store.tables import AttendanceRecord, School, Student
from tests.fixtures.database import _postgres_database

INSTANTS = [
    datetime(2026, 11, 9, 14, 15, 30, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 30, tzinfo=UTC),  # 01:30 CST, the second 01:30 of fall back
    datetime(2026, 3, 8, 8, 0, 1, tzinfo=UTC),  # just after spring forward in Chicago
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),  # past 32-bit seconds
]


def _school_with_student(session: Session) -> tuple[int, int]:
    school = School(name="Sunny Days", name_key="sunny days", timezone="America/Chicago")
    session.add(school)
    session.flush()
    student = Student(school_id=school.id or 0, name="Ava", name_key="ava")
    session.add(student)
    session.flush()
    return school.id or 0, student.id or 0


def _store(engine: Engine, stays: list[tuple[datetime, datetime | None]]) -> int:
    with Session(engine) as session:
        school_id, student_id = _school_with_student(session)
        for check_in, check_out in stays:
            session.add(
                AttendanceRecord(
                    school_id=school_id,
                    student_id=student_id,
                    check_in=check_in,
                    check_out=check_out,
                )
            )
        session.commit()
    return school_id


def _epoch_rows(engine: Engine, school_id: int) -> list[tuple[int, int | None]]:
    with engine.connect() as connection:
        rows = connection.execute(
            records_near_query(connection.dialect),
            {
                "school_id": school_id,
                "lower": datetime(1990, 1, 1, tzinfo=UTC),
                "upper": datetime(2040, 1, 1, tzinfo=UTC),
            },
        ).fetchall()
    return sorted((check_in, check_out) for _, _, check_in, check_out in rows)


def test_the_database_gives_attendance_back_as_the_epoch_seconds_stored(db: Engine) -> None:
    stays: list[tuple[datetime, datetime | None]] = [
        (moment, moment + timedelta(hours=8)) for moment in INSTANTS
    ]
    stays.append((datetime(2026, 11, 10, 14, tzinfo=UTC), None))  # still checked in

    school_id = _store(db, stays)

    expected = sorted((to_seconds(a), None if b is None else to_seconds(b)) for a, b in stays)
    assert _epoch_rows(db, school_id) == expected


def test_a_fraction_of_a_second_is_not_stored(db: Engine) -> None:
    moment = datetime(2026, 11, 9, 14, 15, 30, 999_999, tzinfo=UTC)

    school_id = _store(db, [(moment, moment + timedelta(hours=1))])

    with Session(db) as session:
        stored = session.exec(
            select(AttendanceRecord).where(AttendanceRecord.school_id == school_id)
        ).one()
    assert stored.check_in == datetime(2026, 11, 9, 14, 15, 30, tzinfo=UTC)
    assert stored.check_out == datetime(2026, 11, 9, 15, 15, 30, tzinfo=UTC)
    assert _epoch_rows(db, school_id) == [(to_seconds(stored.check_in), to_seconds(moment) + 3600)]


@pytest.mark.parametrize("version", [(3, 37, 2), (3, 38, 0)], ids=["julianday", "unixepoch"])
def test_both_sqlite_forms_give_the_same_seconds(tmp_path: Path, version: tuple[int, ...]) -> None:
    """Python builds with SQLite before 3.38 (no unixepoch) go through the Julian day."""
    engine = make_engine(f"sqlite:///{tmp_path / 'epoch.db'}")
    migrate(engine)
    school_id = _store(engine, [(moment, None) for moment in INSTANTS])
    column = epoch_seconds("check_in", engine.dialect, sqlite_version=version)
    assert ("unixepoch" in column) is (version >= (3, 38))

    with engine.connect() as connection:
        found = connection.execute(
            text(f"SELECT {column} FROM attendance WHERE school_id = :s ORDER BY check_in"),
            {"s": school_id},
        ).scalars()
        assert list(found) == sorted(to_seconds(moment) for moment in INSTANTS)
    engine.dispose()


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """An empty database of the kind the suite runs on (PostgreSQL in CI's second run)."""
    server = os.environ.get("ROLLCALL_TEST_DATABASE_URL")
    if server:
        yield from _postgres_database(server)
    else:
        yield f"sqlite:///{tmp_path / 'fresh.db'}"


def test_the_migration_drops_fractions_stored_before_it(fresh_url: str) -> None:
    # Given attendance stored with fractions of a second by the schema before 0005
    engine = make_engine(fresh_url)
    config = alembic_config(engine)
    command.upgrade(config, "0004")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO school (team_id, name, name_key, timezone, created_at) "
                "VALUES ('', 'Old', 'old', 'America/Chicago', :now)"
            ),
            {"now": _as_stored(engine, datetime(2026, 1, 1))},
        )
        school_id = connection.execute(text("SELECT id FROM school")).scalar_one()
        connection.execute(
            text(
                "INSERT INTO student (school_id, name, name_key, created_at) "
                "VALUES (:s, 'Ava', 'ava', :now)"
            ),
            {"s": school_id, "now": _as_stored(engine, datetime(2026, 1, 1))},
        )
        student_id = connection.execute(text("SELECT id FROM student")).scalar_one()
        for check_in, check_out in (
            (datetime(2026, 11, 9, 14, 0, 0, 250_000), datetime(2026, 11, 9, 18, 0, 0, 750_000)),
            (datetime(2026, 11, 10, 14, 0, 5), None),
        ):
            connection.execute(
                text(
                    "INSERT INTO attendance (school_id, student_id, check_in, check_out, "
                    "source, created_at, updated_at) VALUES (:school, :student, :check_in, "
                    ":check_out, 'cli', :check_in, :check_in)"
                ),
                {
                    "school": school_id,
                    "student": student_id,
                    "check_in": _as_stored(engine, check_in),
                    "check_out": None if check_out is None else _as_stored(engine, check_out),
                },
            )

    # When the schema is brought up to date
    migrate(engine)

    # Then every instant is whole seconds, and the epoch seconds read back agree
    with Session(engine) as session:
        stored = sorted(
            (r.check_in, r.check_out) for r in session.exec(select(AttendanceRecord)).all()
        )
    assert stored == [
        (datetime(2026, 11, 9, 14, 0, tzinfo=UTC), datetime(2026, 11, 9, 18, 0, tzinfo=UTC)),
        (datetime(2026, 11, 10, 14, 0, 5, tzinfo=UTC), None),
    ]
    assert _epoch_rows(engine, school_id) == [
        (to_seconds(a), None if b is None else to_seconds(b)) for a, b in stored
    ]
    engine.dispose()


def _as_stored(engine: Engine, naive_utc: datetime) -> object:
    """A value as SQLAlchemy stores a DateTime: text on SQLite, a timestamp on PostgreSQL."""
    if engine.dialect.name == "sqlite":
        return naive_utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    return naive_utc
