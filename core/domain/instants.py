"""Instants typed by people: ISO 8601 with an offset, or naive local time in the school's zone.

A naive local time that the zone skips (spring forward) or repeats (fall back) names no
single instant, so it is refused (core.errors.UnplaceableTime).

Attendance is kept to the whole second (a fraction of a second means nothing to a claim),
so the report can judge instants as integer seconds since the Unix epoch.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.domain.control import LINE_BREAKS, refuse_control_characters
from core.errors import InvalidInput, UnplaceableTime
from core.i18n import N_, _, sentence


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
        back = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        raise UnplaceableTime(naive, tz, skipped=back != naive)
    return early


US_DATE = "%m/%d/%Y"
"""``11/08/2026`` (and ``11/8/2026``): how a US director writes a date."""
WALL_TIMES = ("%I:%M %p", "%I:%M%p", "%I:%M:%S %p", "%H:%M", "%H:%M:%S")
"""``8:00 AM``, ``8:00AM``, ``08:00``: a wall-clock time, 12- or 24-hour."""


def _calendar_date(text: str) -> date | None:
    """An ISO or a US date, or None."""
    for reader in (date.fromisoformat, lambda t: datetime.strptime(t, US_DATE).date()):
        try:
            return reader(text)
        except ValueError:
            continue
    return None


def _wall_time(text: str) -> time | None:
    for pattern in WALL_TIMES:
        try:
            return datetime.strptime(text.upper(), pattern).time()
        except ValueError:
            continue
    return None


def _us_instant(text: str) -> datetime | None:
    """``11/08/2026 8:00 AM``, ``11/08/2026 08:00`` or ``2026-11-08 8:00 AM`` as a naive
    local time; None for anything else (ISO 8601 is read by the standard library)."""
    day_text, _, time_text = text.partition(" ")
    day = _calendar_date(day_text)
    moment = _wall_time(time_text.strip()) if day is not None else None
    if day is None or moment is None:
        return None
    return datetime.combine(day, moment)


def parse_instant(raw: str, tz: ZoneInfo, *, what: str = N_("time")) -> datetime:
    """Parse a US date and time (``11/08/2026 8:00 AM``) or ISO 8601 (offset or naive
    local) into an aware UTC datetime, to the whole second."""
    text = refuse_control_characters(raw, what=what, allow=LINE_BREAKS).strip()
    if not text:
        raise InvalidInput(sentence(_("The {what} is empty.", what=_(what))))
    parsed = _us_instant(text)
    if parsed is None and (len(text) <= 10 or not any(sep in text for sep in "Tt ")):
        raise InvalidInput(
            sentence(
                _(
                    "{what} {typed} needs a date and a time, like 11/09/2026 8:15 AM or "
                    "2026-11-09 08:15.",
                    what=_(what),
                    typed=repr(text),
                )
            )
        )
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as error:
            raise InvalidInput(
                sentence(
                    _(
                        "{what} {typed} is not a date and time like 11/09/2026 8:15 AM or "
                        "2026-11-09 08:15.",
                        what=_(what),
                        typed=repr(text),
                    )
                )
            ) from error
    if parsed.tzinfo is None:
        parsed = localize(parsed, tz)
    try:
        return whole_second(parsed.astimezone(UTC))
    except OverflowError as error:
        raise InvalidInput(
            sentence(
                _(
                    "{what} {typed} is outside the years 1 to 9999 in UTC; check the date.",
                    what=_(what),
                    typed=repr(text),
                )
            )
        ) from error


#: The dates Rollcall works with. Attendance is recorded now; the window only keeps the
#: arithmetic around a date (the day before, the pay period, its local midnights in UTC)
#: inside what Python's dates can hold, far from year 1 and year 9999.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2999, 12, 31)


def check_supported(day: date, *, what: str = N_("date")) -> date:
    """``day`` if it lies within :data:`FIRST_DATE`..:data:`LAST_DATE`; refused otherwise."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise InvalidInput(
            sentence(
                _(
                    "The {what} {day} is outside the dates Rollcall works with ({first} to "
                    "{last}).",
                    what=_(what),
                    day=day.isoformat(),
                    first=FIRST_DATE.isoformat(),
                    last=LAST_DATE.isoformat(),
                )
            )
        )
    return day


def parse_date(raw: str, *, what: str = N_("date")) -> date:
    """A date written the US way (``11/08/2026``) or ISO 8601 (``2026-11-08``)."""
    parsed = _calendar_date(refuse_control_characters(raw, what=what, allow=LINE_BREAKS).strip())
    if parsed is None:
        raise InvalidInput(
            sentence(
                _(
                    "The {what} {typed} is not a date like 11/08/2026 or 2026-11-08.",
                    what=_(what),
                    typed=repr(raw),
                )
            )
        )
    return check_supported(parsed, what=what)


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


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)


def whole_second(instant: datetime) -> datetime:
    """The instant without its fraction of a second: how attendance is kept."""
    return instant.replace(microsecond=0)


def to_seconds(instant: datetime) -> int:
    """An aware instant as whole seconds since the Unix epoch (a fraction is dropped)."""
    return (instant - EPOCH) // _SECOND


def from_seconds(seconds: int) -> datetime:
    """Seconds since the Unix epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


@lru_cache(maxsize=256)
def _day_starts(tz: ZoneInfo, first: date, last: date) -> tuple[tuple[date, ...], tuple[int, ...]]:
    """The dates from ``first`` to ``last`` and when each starts in ``tz`` (then when the
    day after ``last`` starts): the same for every report of a range in one zone, so a
    statewide pass works them out once, not once per school."""
    dates = tuple(first + timedelta(days=i) for i in range((last - first).days + 1))
    starts = [to_seconds(local_day_bounds(day, tz)[0]) for day in dates]
    starts.append(to_seconds(local_day_bounds(last, tz)[1]))
    return dates, tuple(starts)


class LocalDays:
    """The local dates of instants (seconds since the epoch) in one zone.

    Within a span of dates given up front, a date is found by bisecting the instants at
    which each local day starts: exact across DST (days of 23 or 25 hours) and several
    times cheaper than a time-zone conversion per instant, which a report of thousands of
    records would otherwise pay. Instants outside the span are converted.
    """

    def __init__(self, tz: ZoneInfo, first: date | None = None, last: date | None = None):
        self.tz = tz
        self.dates: tuple[date, ...] = ()
        """The span's dates, in order."""
        self.starts: tuple[int, ...] = ()
        """When each of ``dates`` starts, then when the day after the last one starts."""
        if first is not None and last is not None and first <= last:
            self.dates, self.starts = _day_starts(tz, first, last)
        self._outside: dict[int, date] = {}

    def of(self, seconds: int) -> date:
        index = bisect_right(self.starts, seconds) - 1
        if 0 <= index < len(self.dates):
            return self.dates[index]
        found = self._outside.get(seconds)
        if found is None:
            found = self._outside[seconds] = from_seconds(seconds).astimezone(self.tz).date()
        return found
