"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC and gives them back aware.

    SQLite has no time zones, so one convention for both databases keeps comparisons and
    indexes identical.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: attach a time zone first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return aware_utc(value)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        """One step from the driver's value to an aware datetime: SQLite's driver gives the
        stored ISO text, PostgreSQL's a naive datetime (reports read thousands of these)."""
        return aware_utc


def aware_utc(value: Any) -> datetime | None:
    """A stored instant (SQLite: naive-UTC ISO text; PostgreSQL: a naive datetime) as an
    aware UTC datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        # Parsing the offset with the text is several times cheaper than .replace(tzinfo=).
        return datetime.fromisoformat(value + "+00:00")
    stored: datetime = value
    return stored.replace(tzinfo=UTC)


class UTCSeconds(UTCDateTime):
    """An instant kept to the whole second (attendance): a fraction is dropped on the way
    in, so the database can give it back as integer epoch seconds, exactly."""

    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        stored = super().process_bind_param(value, dialect)
        return None if stored is None else stored.replace(microsecond=0)
