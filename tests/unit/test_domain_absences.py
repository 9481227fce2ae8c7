"""Absence rules (pure): both present and absent, the monthly allowance, weekdays with
nothing recorded, and what is (not) an absence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.absences import AbsenceKind, AbsenceSummary, judge_absences, parse_kind
from core.domain.attendance import Authorization
from core.errors import InvalidInput
from tests.unit.strategies import FAST

A, H, C = AbsenceKind.ABSENT, AbsenceKind.HOLIDAY, AbsenceKind.CLOSED
NOV = {"start": date(2026, 11, 8), "end": date(2026, 11, 21), "today": date(2026, 11, 25)}


def judge(**given: object) -> AbsenceSummary:
    options: dict[str, object] = {
        "own": {},
        "closures": {},
        "attended": (),
        "allowance": 4,
        "expected": False,
        **NOV,
        **given,
    }
    return judge_absences(7, **options)  # type: ignore[arg-type]


def test_a_day_both_attended_and_absent_blocks() -> None:
    day = date(2026, 11, 10)
    summary = judge(own={day: A}, attended={day})

    assert [(i.code, i.blocking) for i in summary.issues] == [("absent_and_present", True)]
    assert "2026-11-10" in summary.issues[0].message


def test_a_closure_on_an_attended_day_blocks_too() -> None:
    day = date(2026, 11, 11)
    summary = judge(closures={day: C}, attended={day})

    assert [i.code for i in summary.issues] == ["absent_and_present"]
    assert "center closed" in summary.issues[0].message


def test_holidays_and_closures_are_not_absences() -> None:
    summary = judge(own={date(2026, 11, 9): H}, closures={date(2026, 11, 10): C})

    assert (summary.absences, summary.allowance_used, summary.issues) == (0, 0, [])


def test_the_allowance_counts_per_calendar_month_across_a_period_spanning_two() -> None:
    # A period from Oct 25 to Nov 7: three October absences before it, two in it (Oct 27,
    # 28), and four in November (none past November's allowance)
    october = {date(2026, 10, d): A for d in (2, 5, 6, 27, 28)}
    november = {date(2026, 11, d): A for d in (2, 3, 4, 5)}
    summary = judge(
        own={**october, **november},
        start=date(2026, 10, 25),
        end=date(2026, 11, 7),
        today=date(2026, 11, 20),
    )

    (warning,) = summary.issues
    assert (warning.code, warning.blocking) == ("absences_over_allowance", False)
    assert warning.message == (
        "5 days absent in October 2026, past the allowance of 4 a month: "
        "KinderTrack may not pay Oct 28."
    )
    assert (summary.absences, summary.allowance_used) == (6, 4)


def test_weekdays_with_nothing_recorded_warn_once_per_child_only_when_expected() -> None:
    attended = {date(2026, 11, d) for d in (9, 10, 11, 12, 16, 17, 18, 19)}
    covered = judge(attended=attended, expected=True, own={date(2026, 11, 13): A})
    missing = judge(attended=attended, expected=True)
    unlinked = judge(attended=attended, expected=False)
    outside = judge(
        attended=attended,
        expected=True,
        authorization=Authorization(None, date(2026, 11, 19)),
        own={date(2026, 11, 13): A},
    )

    assert [i.code for i in covered.issues] == ["not_recorded"]
    assert "1 weekday" in covered.issues[0].message and "Nov 20" in covered.issues[0].message
    assert "2 weekdays" in missing.issues[0].message
    assert unlinked.issues == [] and outside.issues == []


def test_today_and_later_are_not_yet_missing() -> None:
    summary = judge(expected=True, today=date(2026, 11, 10))

    assert "Nov 9)" in summary.issues[0].message
    assert "1 weekday" in summary.issues[0].message


@given(
    st.sets(st.integers(min_value=0, max_value=60), max_size=30),
    st.integers(min_value=0, max_value=6),
)
@FAST
def test_no_month_pays_past_the_allowance_and_every_day_past_it_is_named(
    offsets: set[int], allowance: int
) -> None:
    days = sorted(date(2026, 10, 1) + timedelta(days=o) for o in offsets)
    start, end = date(2026, 10, 1), date(2026, 11, 30)
    summary = judge(
        own=dict.fromkeys(days, A),
        start=start,
        end=end,
        today=date(2026, 12, 5),
        allowance=allowance,
    )

    named = " ".join(i.message for i in summary.issues)
    for month in (10, 11):
        in_month = [d for d in days if d.month == month]
        past = in_month[allowance:]
        assert all(f"{d:%b} {d.day}," in named + "," or f"{d:%b} {d.day}." in named for d in past)
        assert (f"{date(2026, month, 1):%B}" in named) == bool(past)
    assert summary.absences == len(days)
    assert all(not i.blocking for i in summary.issues)


@pytest.mark.parametrize(
    ("text", "center", "why"),
    [("closed", False, "whole center"), ("absent", True, "closure"), ("sick", False, "kind")],
)
def test_kinds_are_parsed_for_a_child_or_the_center(text: str, center: bool, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        parse_kind(text, whole_center=center)
    assert parse_kind(" Holiday ", whole_center=center) is H
