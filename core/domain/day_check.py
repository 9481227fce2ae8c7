"""The day's problems at closing time (issue 11, "same-day nudges").

Errors found at the end of a pay period are fixed from memory; found the same day, the
staff still remember when a child left. At the school's closing time the directors are
told what the day left behind:

- children still checked in;
- overlapping records, missing check-outs (an open record of an earlier day) and any
  other blocking error of the week's records, until they are fixed;
- on a weekday the center logged attendance (someone has a record today: it was open and
  is logging day by day), children who came in the last two weeks but have nothing
  recorded today (neither attendance nor an absence). A day with no record at all is a
  closure or a center that imports its attendance later: nobody is "not recorded".

A clean day has no problems and nothing is sent. Pure: the use case loads the records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.domain.attendance import Record
from core.domain.attendance_scan import scan_student
from core.domain.instants import LocalDays

LOOK_BACK = timedelta(days=6)
"""Errors are looked for in the week ending today (today and the six days before)."""

ACTIVE_WITHIN = timedelta(days=14)
"""A child who attended within this long is expected on a weekday."""


@dataclass(frozen=True)
class Child:
    student_id: int
    name: str


@dataclass(frozen=True)
class Problem:
    student_id: int
    student_name: str
    code: str
    """An ``IssueCode`` of docs/DOMAIN.md, or ``not_recorded``."""
    message: str
    record_id: int | None = None
    check_in_s: int | None = None
    check_out_s: int | None = None
    """The stay's instants (epoch seconds), so Slack can word it on the school's clock."""


NOT_RECORDED = "not_recorded"


@dataclass(frozen=True)
class DayCheck:
    day: date
    problems: tuple[Problem, ...]
    tz: ZoneInfo | None = None
    """The school's zone: how the stays' times are shown."""

    @property
    def clean(self) -> bool:
        return not self.problems

    def of(self, code: str) -> list[Problem]:
        return [p for p in self.problems if p.code == code]


def check_day(
    children: Sequence[Child],
    records: Sequence[Record],
    *,
    day: date,
    now: datetime,
    days: LocalDays,
    accounted: Collection[int] = (),
) -> DayCheck:
    """Judge ``day`` (the school's local date of ``now``) from ``records``: every record
    of the children checked in from ``ACTIVE_WITHIN`` before ``day`` up to its end (a day
    either side is welcome: overlaps at the edges). ``accounted`` are children with
    something else recorded for ``day`` (an absence or a closure)."""
    by_student: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_student[record.student_id].append(record)
    week_start = day - LOOK_BACK
    active_since = day - ACTIVE_WITHIN
    logged_today = any(days.of(r.check_in_s) == day for r in records)
    expect_everyone = day.weekday() < 5 and logged_today
    problems: list[Problem] = []
    for child in sorted(children, key=lambda c: (c.name.casefold(), c.student_id)):
        mine = by_student.get(child.student_id, [])
        scan = scan_student(mine, start=week_start, end=day, now=now, days=days)
        by_id = {r.id: r for r in mine}
        for issue in scan.errors + scan.still_in:
            stay = by_id.get(issue.record_id) if issue.record_id is not None else None
            problems.append(
                Problem(
                    child.student_id,
                    child.name,
                    str(issue.code),
                    issue.message,
                    issue.record_id,
                    stay.check_in_s if stay else None,
                    stay.check_out_s if stay else None,
                )
            )
        if expect_everyone and child.student_id not in accounted:
            dates = {days.of(r.check_in_s) for r in mine}
            if day not in dates and any(active_since <= d < day for d in dates):
                problems.append(
                    Problem(
                        child.student_id,
                        child.name,
                        NOT_RECORDED,
                        f"Nothing recorded for {day.isoformat()}: add the check-in and "
                        "check-out, or mark the child absent.",
                    )
                )
    return DayCheck(day, tuple(problems), days.tz)
