"""Absences and closures (docs/DOMAIN.md): what a day without attendance was.

A child's own absence is ``absent`` (counted against the monthly allowance) or
``holiday``; a closure (``closed`` or ``holiday``) is the whole center's and counts for no
one. Pure: the report hands in each child's absences, the center's closures and the dates
the child attended.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache

from core.domain.attendance import Authorization, Issue, IssueCode
from core.errors import InvalidInput
from core.i18n import N_, _


class AbsenceKind(StrEnum):
    ABSENT = "absent"
    HOLIDAY = "holiday"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        """In English; marked for the catalogue, so ``_(kind.label)`` is the reader's word."""
        return {
            AbsenceKind.ABSENT: N_("absent"),
            AbsenceKind.HOLIDAY: N_("holiday"),
            AbsenceKind.CLOSED: N_("center closed"),
        }[self]


CENTER = "*"
"""The student named for a closure of the whole center."""


def parse_kind(text: str, *, whole_center: bool) -> AbsenceKind:
    """``absent``/``holiday``/``closed`` as typed; a closure is for the whole center and an
    absence for one child."""
    try:
        kind = AbsenceKind(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            _(
                "Unknown absence kind {kind}: use absent, holiday or closed.",
                kind=repr(text.strip()),
            )
        ) from None
    if whole_center and kind is AbsenceKind.ABSENT:
        raise InvalidInput(_("A whole-center day is a closure: its kind is closed or holiday."))
    if not whole_center and kind is AbsenceKind.CLOSED:
        raise InvalidInput(_("closed is for the whole center: give '*' as the student."))
    return kind


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def _short(day: date) -> str:
    return f"{day:%b} {day.day}"


@dataclass(frozen=True)
class AbsenceSummary:
    """One child's absences over a report's range."""

    absences: int
    """Days absent (``absent``) in the range; holidays and closures are not absences."""
    allowance_used: int
    """Days absent in the calendar month of the range's last day (as of today)."""
    issues: list[Issue]


def judge_absences(
    student_id: int,
    *,
    own: Mapping[date, AbsenceKind],
    closures: Mapping[date, AbsenceKind],
    attended: Iterable[date],
    start: date,
    end: date,
    today: date,
    allowance: int,
    expected: bool,
    authorization: Authorization | None = None,
) -> AbsenceSummary:
    """The absence rules for one child over [start, end].

    ``own`` holds the child's absences over the whole calendar months the range touches
    (the allowance counts per calendar month, also the days before the range); ``expected``
    says whether a weekday with nothing recorded is worth a warning (a linked child).
    """
    present = attended if isinstance(attended, (set, frozenset)) else set(attended)
    issues: list[Issue] = []
    if not own and not closures and not expected:
        return AbsenceSummary(0, 0, issues)  # nothing recorded away, nothing expected
    both = (
        sorted(day for day in present if start <= day <= end and (day in own or day in closures))
        if own or closures
        else []
    )
    for day in both:
        kind = own.get(day) or closures[day]
        issues.append(
            Issue(
                IssueCode.ABSENT_AND_PRESENT,
                student_id,
                None,
                f"{day.isoformat()} is recorded both as attended and as {kind.label}: "
                "remove the absence or the attendance.",
                day,
                facts={"day": day, "kind": kind},
            )
        )
    absent_days = sorted(day for day, kind in own.items() if kind is AbsenceKind.ABSENT)
    per_month: Counter[tuple[int, int]] = Counter()
    over: dict[tuple[int, int], list[date]] = {}
    for day in absent_days:
        per_month[_month(day)] += 1
        if per_month[_month(day)] > allowance and start <= day <= end:
            over.setdefault(_month(day), []).append(day)
    for (year, month), days in over.items():
        issues.append(
            Issue(
                IssueCode.ABSENCES_OVER_ALLOWANCE,
                student_id,
                None,
                f"{per_month[(year, month)]} days absent in {date(year, month, 1):%B %Y}, past "
                f"the allowance of {allowance} a month: KinderTrack may not pay "
                + ", ".join(map(_short, days))
                + ".",
                facts={
                    "count": per_month[(year, month)],
                    "month": date(year, month, 1),
                    "allowance": allowance,
                    "days": tuple(days),
                },
            )
        )
    if expected:
        missing = [
            day
            for day in _weekdays(start, min(end, today - timedelta(days=1)))
            if day not in present
            and day not in own
            and day not in closures
            and (authorization is None or authorization.covers(day))
        ]
        if missing:
            issues.append(
                Issue(
                    IssueCode.NOT_RECORDED,
                    student_id,
                    None,
                    f"Nothing recorded on {len(missing)} weekday"
                    f"{'' if len(missing) == 1 else 's'} the center was open ("
                    + ", ".join(map(_short, missing))
                    + "): record the attendance or the absence.",
                    facts={"days": tuple(missing)},
                )
            )
    in_range = sum(1 for day in absent_days if start <= day <= end)
    return AbsenceSummary(in_range, per_month[_month(min(end, today))], issues)


@cache
def _weekdays(first: date, last: date) -> tuple[date, ...]:
    """Monday to Friday in [first, last]; cached: a report asks it once per child."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return tuple(days)
