"""Dates and times as a director reads them, in the school's zone and the reader's
language (:mod:`core.i18n`): "Mon, Nov 9", "7:30 AM", "Tue, Dec 1, 1:24 PM"."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.i18n import format_day, format_moment, format_time


def day_label(day: date) -> str:
    """``Mon, Nov 9``."""
    return format_day(day)


def clock_label(moment: time) -> str:
    """``7:30 AM``, ``12:00 PM``."""
    return format_time(moment)


def time_label(instant: datetime, tz: ZoneInfo) -> str:
    """The local wall-clock time of an instant: ``7:30 AM``."""
    return format_time(instant, tz)


def moment_label(instant: datetime, tz: ZoneInfo) -> str:
    """An instant on its local day: ``Tue, Dec 1, 1:24 PM``."""
    return format_moment(instant, tz)


def stay_label(check_in: datetime, check_out: datetime | None, tz: ZoneInfo) -> str:
    """A stay's times on its day: ``7:30 AM–12:00 PM``; a check-out on another local day
    names that day; no check-out reads ``7:30 AM–?``."""
    start = time_label(check_in, tz)
    if check_out is None:
        return f"{start}–?"
    if check_out.astimezone(tz).date() != check_in.astimezone(tz).date():
        return f"{start}–{moment_label(check_out, tz)}"
    return f"{start}–{time_label(check_out, tz)}"
