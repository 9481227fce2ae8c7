"""A stay corrected with a date and two clock times (Slack's date and time pickers).

A picker shows a stay's local day and its times to the minute. A value left as shown keeps
the stored instant (seconds and a check-out on a later day included); a changed value is
read as a wall time on the chosen day in the school's zone. Pure: the use case loads the
stay and saves the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.domain.instants import localize, whole_second


@dataclass(frozen=True)
class StayFix:
    """What a director chose for one stay: its day and times, or to delete it.

    None keeps what is stored; ``no_check_out`` empties the check-out (a child still here
    today); ``absent`` deletes the stay and records the child absent that day instead."""

    record_id: int
    day: date | None = None
    check_in: time | None = None
    check_out: time | None = None
    no_check_out: bool = False
    delete: bool = False
    absent: bool = False


def _minute(instant: datetime, tz: ZoneInfo) -> tuple[date, time]:
    local = instant.astimezone(tz)
    return local.date(), local.time().replace(second=0, microsecond=0)


def fixed_check_in(stored: datetime, fix: StayFix, tz: ZoneInfo) -> datetime:
    """The new check-in; raises InvalidInput for a wall time the zone skips or repeats."""
    stored_day, stored_time = _minute(stored, tz)
    day = fix.day or stored_day
    chosen = fix.check_in or stored_time
    if (day, chosen) == (stored_day, stored_time):
        return stored
    return whole_second(localize(datetime.combine(day, chosen), tz))


def fixed_check_out(
    stored_in: datetime, stored_out: datetime | None, fix: StayFix, tz: ZoneInfo
) -> datetime | None:
    """The new check-out on the stay's (possibly new) day, or None when emptied."""
    if fix.no_check_out:
        return None
    stored_day, _ = _minute(stored_in, tz)
    day = fix.day or stored_day
    if fix.check_out is None:
        if stored_out is None or day == stored_day:
            return stored_out
        chosen = _minute(stored_out, tz)[1]
    else:
        chosen = fix.check_out
    if stored_out is not None and day == stored_day and _minute(stored_out, tz)[1] == chosen:
        return stored_out
    return whole_second(localize(datetime.combine(day, chosen), tz))
