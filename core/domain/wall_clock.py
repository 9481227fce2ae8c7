"""Dates and times as a director reads them, in the school's zone: "Mon Nov 9", "7:30 AM",
"Tue Dec 1, 1:24 PM". English words; the message catalogue may swap these for a locale's."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo


def day_label(day: date) -> str:
    """``Mon Nov 9``."""
    return f"{day:%a %b} {day.day}"


def clock_label(moment: time) -> str:
    """``7:30 AM``, ``12:00 PM``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def time_label(instant: datetime, tz: ZoneInfo) -> str:
    """The local wall-clock time of an instant: ``7:30 AM``."""
    return clock_label(instant.astimezone(tz).time())


def moment_label(instant: datetime, tz: ZoneInfo) -> str:
    """An instant on its local day: ``Tue Dec 1, 1:24 PM``."""
    local = instant.astimezone(tz)
    return f"{day_label(local.date())}, {clock_label(local.time())}"


def stay_label(check_in: datetime, check_out: datetime | None, tz: ZoneInfo) -> str:
    """A stay's times on its day: ``7:30 AM–12:00 PM``; a check-out on another local day
    names that day; no check-out reads ``7:30 AM–?``."""
    start = time_label(check_in, tz)
    if check_out is None:
        return f"{start}–?"
    if check_out.astimezone(tz).date() != check_in.astimezone(tz).date():
        return f"{start}–{moment_label(check_out, tz)}"
    return f"{start}–{time_label(check_out, tz)}"
