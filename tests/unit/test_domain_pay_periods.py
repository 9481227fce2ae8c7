"""The pay-period calendar: fixed-length periods counted from an anchor date."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.pay_periods import (
    ListedPeriods,
    PayPeriod,
    PayPeriodCalendar,
    UnknownPeriod,
    check_listed,
)
from tests.unit.strategies import FAST

ANCHOR = date(2026, 1, 4)
CALENDAR = PayPeriodCalendar(anchor=ANCHOR, length_days=14)


def period(start: str, end: str) -> PayPeriod:
    return PayPeriod(date.fromisoformat(start), date.fromisoformat(end))


# --- containing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-01-04", period("2026-01-04", "2026-01-17")),  # the anchor starts a period
        ("2026-01-17", period("2026-01-04", "2026-01-17")),  # its last day
        ("2026-01-18", period("2026-01-18", "2026-01-31")),  # the next one starts
        ("2026-11-08", period("2026-11-08", "2026-11-21")),  # docs/CLI.md's example
        ("2026-11-21", period("2026-11-08", "2026-11-21")),
        ("2026-12-31", period("2026-12-20", "2027-01-02")),  # across the new year
    ],
)
def test_the_period_containing_a_day_is_counted_from_the_anchor(
    day: str, expected: PayPeriod
) -> None:
    assert CALENDAR.containing(date.fromisoformat(day)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-01-03", period("2025-12-21", "2026-01-03")),  # the day before the anchor
        ("2025-12-21", period("2025-12-21", "2026-01-03")),
        ("2025-12-20", period("2025-12-07", "2025-12-20")),
        ("2020-02-29", period("2020-02-23", "2020-03-07")),
    ],
)
def test_days_before_the_anchor_fall_in_earlier_periods(day: str, expected: PayPeriod) -> None:
    assert CALENDAR.containing(date.fromisoformat(day)) == expected


def test_another_length_is_honoured() -> None:
    weekly = PayPeriodCalendar(anchor=ANCHOR, length_days=7)
    assert weekly.containing(date(2026, 1, 11)) == period("2026-01-11", "2026-01-17")
    assert weekly.containing(date(2026, 1, 3)) == period("2025-12-28", "2026-01-03")
    daily = PayPeriodCalendar(anchor=ANCHOR, length_days=1)
    assert daily.containing(date(2026, 5, 5)) == period("2026-05-05", "2026-05-05")


@pytest.mark.parametrize("length", [0, -14])
def test_a_period_shorter_than_a_day_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        PayPeriodCalendar(anchor=ANCHOR, length_days=length)


def test_the_default_length_is_two_weeks() -> None:
    assert PayPeriodCalendar(anchor=ANCHOR).length_days == 14


# --- the period itself ------------------------------------------------------------------


def test_a_period_knows_its_days_and_which_dates_it_holds() -> None:
    two_weeks = period("2026-11-08", "2026-11-21")
    assert two_weeks.days == 14
    assert date(2026, 11, 8) in two_weeks
    assert date(2026, 11, 21) in two_weeks
    assert date(2026, 11, 7) not in two_weeks
    assert date(2026, 11, 22) not in two_weeks
    assert "2026-11-08" not in two_weeks
    assert str(two_weeks) == "2026-11-08 to 2026-11-21"


def test_periods_sort_by_start() -> None:
    later, earlier = period("2026-01-18", "2026-01-31"), period("2026-01-04", "2026-01-17")
    assert sorted([later, earlier]) == [earlier, later]


# --- is_exact ---------------------------------------------------------------------------


def test_a_range_matching_one_period_exactly_is_exact() -> None:
    assert CALENDAR.is_exact(date(2026, 11, 8), date(2026, 11, 21))
    assert CALENDAR.is_exact(date(2025, 12, 21), date(2026, 1, 3))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-11-08", "2026-11-20"),  # one day short
        ("2026-11-08", "2026-11-22"),  # one day over
        ("2026-11-09", "2026-11-22"),  # 14 days, shifted by one
        ("2026-11-09", "2026-11-21"),  # starts late
        ("2026-11-08", "2026-12-05"),  # two periods
        ("2026-11-08", "2026-11-08"),  # its first day alone
        ("2026-11-21", "2026-11-08"),  # backwards
    ],
)
def test_a_range_that_is_not_one_whole_period_is_not_exact(start: str, end: str) -> None:
    assert not CALENDAR.is_exact(date.fromisoformat(start), date.fromisoformat(end))


# --- last_closed ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        ("2026-11-15", period("2026-10-25", "2026-11-07")),  # mid-period
        ("2026-11-08", period("2026-10-25", "2026-11-07")),  # first day: the last ended yesterday
        ("2026-11-21", period("2026-10-25", "2026-11-07")),  # last day: the current is not closed
        ("2026-11-22", period("2026-11-08", "2026-11-21")),
        ("2026-01-04", period("2025-12-21", "2026-01-03")),  # the anchor day
        ("2026-01-01", period("2025-12-07", "2025-12-20")),  # before the anchor
    ],
)
def test_the_last_closed_period_is_the_latest_that_ended_before_today(
    today: str, expected: PayPeriod
) -> None:
    assert CALENDAR.last_closed(date.fromisoformat(today)) == expected


# --- between ----------------------------------------------------------------------------


def test_between_lists_every_period_that_touches_the_range_in_order() -> None:
    assert CALENDAR.between(date(2026, 11, 20), date(2026, 12, 7)) == [
        period("2026-11-08", "2026-11-21"),
        period("2026-11-22", "2026-12-05"),
        period("2026-12-06", "2026-12-19"),
    ]


def test_between_a_single_day_is_its_period() -> None:
    assert CALENDAR.between(date(2026, 11, 10), date(2026, 11, 10)) == [
        period("2026-11-08", "2026-11-21")
    ]


def test_between_the_exact_bounds_of_a_period_is_that_period_alone() -> None:
    assert CALENDAR.between(date(2026, 11, 8), date(2026, 11, 21)) == [
        period("2026-11-08", "2026-11-21")
    ]


def test_between_works_across_the_anchor() -> None:
    assert CALENDAR.between(date(2026, 1, 1), date(2026, 1, 5)) == [
        period("2025-12-21", "2026-01-03"),
        period("2026-01-04", "2026-01-17"),
    ]


# --- properties -------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
anchors = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
lengths = st.integers(min_value=1, max_value=31)


@FAST
@given(day=days, anchor=anchors, length=lengths)
def test_every_day_lies_in_one_period_aligned_to_the_anchor(
    day: date, anchor: date, length: int
) -> None:
    calendar = PayPeriodCalendar(anchor=anchor, length_days=length)
    found = calendar.containing(day)
    assert day in found
    assert found.days == length
    assert (found.start - anchor).days % length == 0
    assert calendar.is_exact(found.start, found.end)
    assert calendar.containing(found.start) == calendar.containing(found.end) == found


@FAST
@given(day=days, anchor=anchors, length=lengths)
def test_the_last_closed_period_ends_just_before_the_current_one(
    day: date, anchor: date, length: int
) -> None:
    calendar = PayPeriodCalendar(anchor=anchor, length_days=length)
    closed = calendar.last_closed(day)
    assert closed.end < day
    assert closed.end + timedelta(days=1) == calendar.containing(day).start


@FAST
@given(
    start=days,
    span=st.integers(min_value=0, max_value=120),
    anchor=anchors,
    length=lengths,
)
def test_between_covers_the_range_with_consecutive_periods(
    start: date, span: int, anchor: date, length: int
) -> None:
    calendar = PayPeriodCalendar(anchor=anchor, length_days=length)
    end = start + timedelta(days=span)
    periods = calendar.between(start, end)
    assert periods[0] == calendar.containing(start)
    assert periods[-1] == calendar.containing(end)
    for earlier, later in itertools.pairwise(periods):
        assert later.start == earlier.end + timedelta(days=1)
    assert all(p.start <= end and p.end >= start for p in periods)


# --- a provider's own periods (as KinderTrack lists them) -------------------------------

MONTHS = tuple(
    PayPeriod(date(2026, m, 1), date(2026, m + 1, 1) - timedelta(days=1)) for m in range(1, 12)
)


@given(st.dates(min_value=date(2026, 2, 1), max_value=date(2026, 11, 30)))
@FAST
def test_listed_months_contain_each_day_once_and_the_last_closed_ends_before(day: date) -> None:
    listed = ListedPeriods(MONTHS)

    month = listed.containing(day)
    last = listed.last_closed(day)

    assert (month.start, month.end.month) == (day.replace(day=1), day.month)
    assert listed.is_exact(month.start, month.end)
    assert last.end == month.start - timedelta(days=1)
    assert not listed.is_exact(month.start, month.end - timedelta(days=1))


def test_a_kept_period_answers_only_for_itself() -> None:
    # A fortnight submitted before the provider switched to monthly billing
    kept = period("2026-11-08", "2026-11-21")
    listed = ListedPeriods(MONTHS, kept=(kept,))

    assert listed.is_exact(kept.start, kept.end)
    assert listed.containing(date(2026, 11, 10)) == period("2026-11-01", "2026-11-30")


def test_a_day_no_listed_period_contains_is_refused_in_words() -> None:
    with pytest.raises(UnknownPeriod, match="2027-03-01"):
        ListedPeriods(MONTHS).containing(date(2027, 3, 1))


@pytest.mark.parametrize(
    ("listed", "why"),
    [
        ([(date(2026, 1, 1), date(2026, 3, 31))], "of 90 days"),
        ([(date(2026, 1, 10), date(2026, 1, 5))], "of -4 days"),
        ([(date(2025, 1, 1), date(2025, 1, 31))], "outside the range"),
        (
            [(date(2026, 1, 1), date(2026, 1, 14)), (date(2026, 1, 10), date(2026, 1, 23))],
            "overlapping",
        ),
    ],
)
def test_kindertracks_answer_is_checked_before_it_is_believed(
    listed: list[tuple[date, date]], why: str
) -> None:
    with pytest.raises(ValueError, match=why):
        check_listed(listed, date(2026, 1, 1), date(2026, 2, 28))


def test_a_sensible_answer_comes_back_sorted() -> None:
    listed = [(date(2026, 2, 1), date(2026, 2, 28)), (date(2026, 1, 1), date(2026, 1, 31))]

    assert check_listed(listed, date(2026, 1, 15), date(2026, 2, 2)) == MONTHS[:2]
