"""Iowa CCA half-day-unit rates, for estimates only (KinderTrack computes what is paid).

Source: Iowa Administrative Code 441-170.4(7), Table 1, maximum half-day-unit rates for
licensed child care centers, effective 2024-07-01, as collected in PolicyEngine's public
parameters (copied from shared/reference/iowa-cca-rates.md). Rollcall does not know a
center's quality rating or a child's special needs, so an estimate uses the base rate
(no quality rating, no special needs): the lowest of its age group's column, so what it
says is at least what is at stake.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum


class AgeGroup(StrEnum):
    """IAC 441-170.4(7): infant and toddler (2 weeks to 3 years), preschool (3 years to
    school age), school age (attending school)."""

    INFANT_TODDLER = "infant and toddler"
    PRESCHOOL = "preschool"
    SCHOOL_AGE = "school age"


BASE_CENTER_RATE = {
    AgeGroup.INFANT_TODDLER: Decimal("25.66"),
    AgeGroup.PRESCHOOL: Decimal("19.50"),
    AgeGroup.SCHOOL_AGE: Decimal("16.50"),
}
"""USD per half-day unit, licensed center, no quality rating, no special needs."""

KINDERGARTEN_CUTOFF = (9, 15)
"""Iowa Code 282.1: a child five years old on or before September 15 may start school
that year; Rollcall counts such a child as school age from August 1 (an estimate)."""


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_group(birth_date: date | None, day: date) -> AgeGroup:
    """The child's rate group on ``day``; preschool when the birth date is unknown."""
    if birth_date is None:
        return AgeGroup.PRESCHOOL
    if _age_on(birth_date, day) < 3:
        return AgeGroup.INFANT_TODDLER
    school_year = day.year if day.month >= 8 else day.year - 1
    cutoff = date(school_year, *KINDERGARTEN_CUTOFF)
    return AgeGroup.SCHOOL_AGE if _age_on(birth_date, cutoff) >= 5 else AgeGroup.PRESCHOOL


def estimated_cost(units: int, birth_date: date | None, day: date) -> Decimal:
    """What ``units`` half-day units on ``day`` would cost at the base center rate."""
    return BASE_CENTER_RATE[age_group(birth_date, day)] * units
