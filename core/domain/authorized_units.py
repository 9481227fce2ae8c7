"""Care beyond a child's authorized units a day (docs/DOMAIN.md): not paid, so a warning.

A day's units are ceil(hours / 5) (IAC 441-170.1); the authorization says how many a
day the state pays for. Each day over it is one warning with the units over and an
estimate of what that care would cost (``core.domain.cca_rates``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.domain.attendance import SECONDS_PER_UNIT, Issue, IssueCode, units_for_day
from core.domain.cca_rates import BASE_CENTER_RATE, AgeGroup, age_group


@dataclass(frozen=True)
class UnitsOver:
    """One day over the authorization."""

    day: date
    units: int
    authorized: int
    cost: Decimal
    """At the base rate of ``group``; exact to the cent (rates carry two decimals)."""
    group: AgeGroup

    @property
    def over(self) -> int:
        return self.units - self.authorized


def days_over(
    per_day: Mapping[date, int], *, units_per_day: int | None, birth_date: date | None = None
) -> list[UnitsOver]:
    """Days (from ``per_day``: elapsed seconds per local date) whose units exceed
    ``units_per_day``, in date order; none when the authorization is unknown."""
    if units_per_day is None or not per_day:
        return []
    limit = units_per_day * SECONDS_PER_UNIT  # more seconds than this is one unit more
    if max(per_day.values()) <= limit:
        return []  # the common case, checked in one pass: a report runs this for every child
    over = []
    for day in sorted(d for d, seconds in per_day.items() if seconds > limit):
        units = units_for_day(per_day[day])
        group = age_group(birth_date, day)
        cost = BASE_CENTER_RATE[group] * (units - units_per_day)
        over.append(UnitsOver(day, units, units_per_day, cost, group))
    return over


def units_over_warnings(
    student_id: int,
    per_day: Mapping[date, int],
    *,
    units_per_day: int | None,
    birth_date: date | None = None,
) -> list[Issue]:
    """One warning per day over the child's authorized units, labelled as an estimate."""
    return [
        Issue(
            IssueCode.OVER_AUTHORIZED_UNITS,
            student_id,
            None,
            f"{o.day.isoformat()}: {o.units} units of care, {o.over} over the "
            f"{o.authorized} authorized a day; care beyond the authorization is not paid "
            f"(estimate: ${o.cost} at Iowa's base {o.group} "
            "center rate).",
            facts={
                "day": o.day,
                "units": o.units,
                "over": o.over,
                "authorized": o.authorized,
                "cost": o.cost,
                "group": o.group,
            },
        )
        for o in days_over(per_day, units_per_day=units_per_day, birth_date=birth_date)
    ]
