"""Hand-written SQL the hot paths need, in each database's dialect."""

from __future__ import annotations

import sqlite3
from functools import cache

from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Dialect

from core.store.types import UTCDateTime


def epoch_seconds(
    column: str, dialect: Dialect, *, sqlite_version: tuple[int, ...] = sqlite3.sqlite_version_info
) -> str:
    """SQL giving a stored instant (naive UTC, whole seconds) as seconds since the epoch.

    SQLite has ``unixepoch`` from 3.38; older builds (still shipped by some systems'
    Pythons) go through the Julian day, exact for whole seconds once rounded.
    """
    if dialect.name == "postgresql":
        # date_part gives a double (EXTRACT a numeric, slower to make): exact for whole
        # seconds, which is all the column holds.
        return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"
    if sqlite_version >= (3, 38):
        return f"unixepoch({column})"
    return f"CAST(round((julianday({column}) - 2440587.5) * 86400) AS INTEGER)"


@cache
def _records_near(check_in: str, check_out: str) -> TextClause:
    """The query for these column expressions, made once (SQLAlchemy caches its compiled
    form by the statement object)."""
    return text(
        f"SELECT id, student_id, {check_in}, {check_out} FROM attendance "
        "WHERE school_id = :school_id AND check_in >= :lower AND check_in < :upper"
    ).bindparams(bindparam("lower", type_=UTCDateTime()), bindparam("upper", type_=UTCDateTime()))


def records_near_query(dialect: Dialect) -> TextClause:
    """A school's attendance checked in within [lower, upper), as
    (id, student_id, check-in seconds, check-out seconds or NULL): the shape of
    ``core.domain.attendance.Record``."""
    return _records_near(epoch_seconds("check_in", dialect), epoch_seconds("check_out", dialect))


@cache
def _records_of_schools(check_in: str, check_out: str) -> TextClause:
    return text(
        f"SELECT school_id, id, student_id, {check_in}, {check_out} FROM attendance "
        "WHERE school_id IN :school_ids AND check_in >= :lower AND check_in < :upper"
    ).bindparams(
        bindparam("school_ids", expanding=True),
        bindparam("lower", type_=UTCDateTime()),
        bindparam("upper", type_=UTCDateTime()),
    )


def records_of_schools_query(dialect: Dialect) -> TextClause:
    """The attendance of several schools checked in within [lower, upper), as
    (school_id, then the shape of ``core.domain.attendance.Record``)."""
    return _records_of_schools(
        epoch_seconds("check_in", dialect), epoch_seconds("check_out", dialect)
    )
