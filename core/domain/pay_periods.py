"""Pay periods: the fixed-length calendar of the settings, and a provider's own periods."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Protocol

from core.errors import InvalidInput
from core.i18n import _


@dataclass(frozen=True, order=True)
class PayPeriod:
    start: date
    end: date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


@dataclass(frozen=True)
class PayPeriodCalendar:
    anchor: date
    length_days: int = 14

    def __post_init__(self) -> None:
        if self.length_days < 1:
            raise ValueError("a pay period lasts at least one day")

    def containing(self, day: date) -> PayPeriod:
        index = (day - self.anchor).days // self.length_days
        start = self.anchor + timedelta(days=index * self.length_days)
        return PayPeriod(start, start + timedelta(days=self.length_days - 1))

    def is_exact(self, start: date, end: date) -> bool:
        """Does [start, end] match one pay period exactly, as KinderTrack requires?"""
        return self.containing(start) == PayPeriod(start, end)

    def last_closed(self, today: date) -> PayPeriod:
        """The most recent period that ended before today."""
        return self.containing(self.containing(today).start - timedelta(days=1))

    def between(self, start: date, end: date) -> list[PayPeriod]:
        """Every period that intersects [start, end]."""
        periods: list[PayPeriod] = []
        period = self.containing(start)
        while period.start <= end:
            periods.append(period)
            period = self.containing(period.end + timedelta(days=1))
        return periods


class PayPeriods(Protocol):
    """A school's pay periods: the settings' calendar before registration, the provider's
    own (as KinderTrack lists them) after."""

    def containing(self, day: date) -> PayPeriod: ...

    def is_exact(self, start: date, end: date) -> bool: ...

    def last_closed(self, today: date) -> PayPeriod: ...


class UnknownPeriod(InvalidInput):
    """KinderTrack lists no pay period of this provider that contains the day."""

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(self.worded(date.isoformat))

    def worded(self, show: Callable[[date], str]) -> str:
        return _("KinderTrack lists no pay period containing {day}.", day=show(self.day))


@dataclass(frozen=True)
class ListedPeriods:
    """A provider's own periods, as KinderTrack listed them (biweekly, monthly, or a mix
    after a change of billing). Periods already submitted stay listed as they were even if
    KinderTrack now cuts that time differently; the ones KinderTrack lists now come first."""

    current: tuple[PayPeriod, ...]
    kept: tuple[PayPeriod, ...] = ()

    def containing(self, day: date) -> PayPeriod:
        for period in (*self.current, *self.kept):
            if day in period:
                return period
        raise UnknownPeriod(day)

    def is_exact(self, start: date, end: date) -> bool:
        period = PayPeriod(start, end)
        return period in self.current or period in self.kept

    def last_closed(self, today: date) -> PayPeriod:
        return self.containing(self.containing(today).start - timedelta(days=1))


def check_listed(listed: list[tuple[date, date]], start: date, end: date) -> tuple[PayPeriod, ...]:
    """KinderTrack's answer to "this provider's periods from ``start`` to ``end``", checked
    before it is believed: each period within 62 days, none overlapping another, each
    touching the range asked about. Raises ValueError naming the first thing wrong."""
    periods = sorted(PayPeriod(first, last) for first, last in listed)
    for period in periods:
        if not 1 <= period.days <= 62:
            raise ValueError(f"a pay period of {period.days} days ({period})")
        if period.end < start or period.start > end:
            raise ValueError(f"a pay period outside the range asked for ({period})")
    for before, after in pairwise(periods):
        if after.start <= before.end:
            raise ValueError(f"overlapping pay periods ({before} and {after})")
    return tuple(periods)
