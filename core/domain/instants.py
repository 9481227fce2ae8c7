"""Instants typed by people: ISO 8601 with an offset, or naive local time in the school's zone.

A naive local time that the zone skips (spring forward) or repeats (fall back) names no
single instant, so it is refused with a request for an explicit UTC offset.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput


def zone(name: str) -> ZoneInfo:
    """The IANA time zone, or a clear refusal."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidInput(
            f"Unknown time zone {name!r}: use an IANA name like America/Chicago."
        ) from error


def localize(naive: datetime, tz: ZoneInfo) -> datetime:
    """Attach ``tz`` to a naive wall time, refusing times that are ambiguous or do not exist."""
    early = naive.replace(tzinfo=tz, fold=0)
    late = naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        stamp = naive.isoformat(sep=" ", timespec="minutes")
        back = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive:
            problem = "does not exist (clocks spring forward)"
        else:
            problem = "happens twice (clocks fall back)"
        raise InvalidInput(
            f"{stamp} {problem} in {tz.key}; give the time with its UTC offset, "
            f"like {naive.date().isoformat()}T{naive.time().isoformat('minutes')}-05:00."
        )
    return early


def parse_instant(raw: str, tz: ZoneInfo, *, what: str = "time") -> datetime:
    """Parse ISO 8601 (offset or naive local) into an aware UTC datetime."""
    text = raw.strip()
    if not text:
        raise InvalidInput(f"The {what} is empty.")
    if len(text) <= 10 or not any(sep in text for sep in ("T", "t", " ")):
        raise InvalidInput(
            f"{what.capitalize()} {text!r} needs a date and a time, like 2026-11-09T08:15 "
            f"or 2026-11-09T08:15-06:00."
        )
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(
            f"{what.capitalize()} {text!r} is not an ISO 8601 date and time, like "
            f"2026-11-09T08:15 or 2026-11-09T08:15-06:00."
        ) from error
    if parsed.tzinfo is None:
        parsed = localize(parsed, tz)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as error:
        raise InvalidInput(
            f"{what.capitalize()} {text!r} is outside the years 1 to 9999 in UTC; check the date."
        ) from error


def parse_date(raw: str, *, what: str = "date") -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as error:
        raise InvalidInput(f"The {what} {raw!r} is not a date like 2026-11-08.") from error


def local_date(instant: datetime, tz: ZoneInfo) -> date:
    return instant.astimezone(tz).date()


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local day starts and the next one starts (23-25 h apart)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def show(instant: datetime, tz: ZoneInfo) -> str:
    """How an instant is shown to a director: local wall time with the zone's abbreviation."""
    local = instant.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
