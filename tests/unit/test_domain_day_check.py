"""The day's problems at closing time: Wednesday 2026-11-25, 18:00 in Chicago."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from core.domain.attendance import Record
from core.domain.day_check import Child, DayCheck, check_day
from core.domain.instants import LocalDays
from tests.unit.strategies import CHICAGO, local, record

WED = date(2026, 11, 25)
AVA, BEN, CARA = Child(1, "Ava Smith"), Child(2, "Ben Jones"), Child(3, "Cara Diaz")


def _check(
    records: Sequence[Record],
    *,
    day: date = WED,
    now: str = "2026-11-25 18:00",
    children: Sequence[Child] = (AVA, BEN, CARA),
    accounted: Sequence[int] = (),
) -> DayCheck:
    days = LocalDays(CHICAGO, day - timedelta(days=15), day + timedelta(days=1))
    return check_day(children, records, day=day, now=local(now), days=days, accounted=accounted)


def _codes(check: DayCheck) -> list[tuple[str, str]]:
    return [(p.student_name, p.code) for p in check.problems]


def test_a_clean_day_has_no_problems() -> None:
    check = _check(
        [
            record(1, "2026-11-24 08:00", "2026-11-24 16:00", student_id=1),
            record(2, "2026-11-25 08:00", "2026-11-25 16:00", student_id=1),
            record(3, "2026-11-25 09:00", "2026-11-25 15:00", student_id=2),
        ]
    )
    assert check.clean and check.problems == ()


def test_every_kind_of_problem_is_named_per_child() -> None:
    check = _check(
        [
            record(1, "2026-11-25 08:00", None, student_id=1),  # still here
            record(2, "2026-11-23 08:00", None, student_id=2),  # Monday: never checked out
            record(3, "2026-11-25 08:00", "2026-11-25 12:00", student_id=2),
            record(4, "2026-11-25 11:00", "2026-11-25 15:00", student_id=2),  # overlaps 3
            record(5, "2026-11-20 08:00", "2026-11-20 16:00", student_id=3),  # came last week
        ]
    )

    assert _codes(check) == [
        ("Ava Smith", "still_checked_in"),
        ("Ben Jones", "missing_check_out"),
        ("Ben Jones", "overlap"),
        ("Ben Jones", "overlap"),
        ("Cara Diaz", "not_recorded"),
    ]
    assert check.of("still_checked_in")[0].record_id == 1
    assert check.of("not_recorded")[0].message.startswith("Nothing recorded for 2026-11-25")


def test_nothing_recorded_counts_only_on_weekdays_for_recent_children_not_accounted() -> None:
    ava_today = record(1, "2026-11-25 08:00", "2026-11-25 16:00", student_id=1)
    cara_last_week = record(5, "2026-11-20 08:00", "2026-11-20 16:00", student_id=3)

    assert _codes(_check([ava_today, cara_last_week])) == [("Cara Diaz", "not_recorded")]
    assert _check([ava_today, cara_last_week], accounted=[3]).clean  # absent
    saturday = [
        record(1, "2026-11-28 08:00", "2026-11-28 12:00", student_id=1),
        cara_last_week,
    ]
    assert _check(saturday, day=date(2026, 11, 28), now="2026-11-28 18:00").clean
    long_ago = record(5, "2026-11-06 08:00", "2026-11-06 16:00", student_id=3)
    assert _check([ava_today, long_ago]).clean  # not seen for two weeks: not expected


def test_a_day_nobody_was_recorded_expects_nobody() -> None:
    # closed (a holiday), or a center that imports its attendance at the period's end
    last_week = [
        record(1, "2026-11-24 08:00", "2026-11-24 16:00", student_id=1),
        record(5, "2026-11-20 08:00", "2026-11-20 16:00", student_id=3),
    ]
    assert _check(last_week).clean


def test_an_error_older_than_the_week_is_left_to_the_report() -> None:
    old = [
        record(1, "2026-11-17 08:00", None, student_id=1),
        record(2, "2026-11-25 08:00", "2026-11-25 16:00", student_id=1),
    ]
    assert _check(old, children=[AVA]).clean
