"""The pay-period calendar: fixed-length periods counted from an anchor date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


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
