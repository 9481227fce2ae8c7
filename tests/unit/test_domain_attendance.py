"""The attendance rules of docs/DOMAIN.md: blocking errors, warnings, hours and units.

All times are written as Chicago wall time; "now" is Tuesday 2026-11-10 15:00 CST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.domain.attendance import (
    BLOCKING,
    SECONDS_PER_UNIT,
    Authorization,
    Issue,
    IssueCode,
    Record,
    overlapping_pairs,
    record_errors,
    seconds_by_day,
    student_issues,
    units_for_day,
)
from tests.unit.strategies import CHICAGO, local, record

NOW = local("2026-11-10 15:00")
HOUR = 3600


def codes(issues: list[Issue]) -> list[str]:
    return [str(issue.code) for issue in issues]


def errors_of(*records: Record, now: datetime = NOW) -> list[Issue]:
    return [i for i in student_issues(list(records), now=now, tz=CHICAGO) if i.blocking]


def pair_ids(pairs: list[tuple[Record, Record]]) -> set[frozenset[int]]:
    return {frozenset((a.id, b.id)) for a, b in pairs}


# --- the record itself ------------------------------------------------------------------


def test_a_complete_record_lasts_from_check_in_to_check_out() -> None:
    stay = record(1, "2026-11-09 08:00", "2026-11-09 16:30")
    assert stay.is_complete
    assert stay.elapsed == timedelta(hours=8, minutes=30)


@pytest.mark.parametrize("check_out", [None, "2026-11-09 08:00", "2026-11-09 07:00"])
def test_an_open_empty_or_inverted_record_counts_no_time(check_out: str | None) -> None:
    stay = record(1, "2026-11-09 08:00", check_out)
    assert not stay.is_complete
    assert stay.elapsed == timedelta(0)


def test_the_codes_are_the_strings_of_the_report() -> None:
    assert {str(code) for code in BLOCKING} == {
        "missing_check_out",
        "check_out_before_check_in",
        "overlap",
        "too_long",
        "future",
        "absent_and_present",
    }
    assert IssueCode.LONG_DAY not in BLOCKING
    assert IssueCode.ABSENCES_OVER_ALLOWANCE not in BLOCKING
    assert IssueCode.NOT_RECORDED not in BLOCKING
    assert IssueCode.OUTSIDE_AUTHORIZATION not in BLOCKING


def test_a_clean_record_has_no_errors() -> None:
    stay = record(1, "2026-11-09 08:00", "2026-11-09 17:00")
    assert record_errors(stay, now=NOW, tz=CHICAGO) == []
    assert student_issues([stay], now=NOW, tz=CHICAGO) == []


def test_no_records_have_no_issues() -> None:
    assert student_issues([], now=NOW, tz=CHICAGO) == []
    assert overlapping_pairs([], now=NOW, tz=CHICAGO) == []
    assert seconds_by_day([], CHICAGO) == {}


# --- missing_check_out ------------------------------------------------------------------


def test_an_open_record_from_an_earlier_day_is_missing_its_check_out() -> None:
    # Given a child checked in yesterday and never checked out
    stay = record(5, "2026-11-09 08:00", None, student_id=3)
    # When its errors are judged today
    issues = record_errors(stay, now=NOW, tz=CHICAGO)
    # Then one blocking missing_check_out names the record, the student and the check-in
    assert codes(issues) == ["missing_check_out"]
    (issue,) = issues
    assert issue.blocking
    assert (issue.student_id, issue.record_id) == (3, 5)
    assert "2026-11-09 08:00 CST" in issue.message
    assert "add the check-out time" in issue.message


def test_an_open_record_from_today_is_a_child_still_in_care_not_an_error() -> None:
    stay = record(1, "2026-11-10 08:00", None)
    assert record_errors(stay, now=NOW, tz=CHICAGO) == []
    issues = student_issues([stay], now=NOW, tz=CHICAGO)
    # Only a warning: this stay is not sent until its check-out is recorded
    assert codes(issues) == ["still_checked_in"]
    assert not any(issue.blocking for issue in issues)


def test_today_is_the_local_date_not_the_utc_date() -> None:
    # Given a check-in at 23:30 on the 9th (05:30 UTC on the 10th)
    stay = record(1, "2026-11-09 23:30", None)
    # When "now" is 01:00 on the 10th in Chicago (07:00 UTC, the same UTC date)
    now = local("2026-11-10 01:00")
    assert stay.check_in.date() == now.date()
    # Then the check-in was yesterday, so the check-out is missing
    assert codes(record_errors(stay, now=now, tz=CHICAGO)) == ["missing_check_out"]
    # And at 23:45 the same evening it is still today's open record
    assert record_errors(stay, now=local("2026-11-09 23:45"), tz=CHICAGO) == []


# --- check_out_before_check_in ----------------------------------------------------------


@pytest.mark.parametrize("check_out", ["2026-11-09 07:59", "2026-11-09 08:00", "2026-11-08 17:00"])
def test_a_check_out_at_or_before_the_check_in_is_an_error(check_out: str) -> None:
    stay = record(1, "2026-11-09 08:00", check_out)
    issues = record_errors(stay, now=NOW, tz=CHICAGO)
    assert codes(issues) == ["check_out_before_check_in"]
    assert "is not after check-in 2026-11-09 08:00 CST" in issues[0].message


def test_a_check_out_one_second_after_the_check_in_is_fine() -> None:
    stay = Record.at(1, 1, local("2026-11-09 08:00"), local("2026-11-09 08:00:01"))
    assert record_errors(stay, now=NOW, tz=CHICAGO) == []


# --- too_long ---------------------------------------------------------------------------


def test_a_stay_of_exactly_24_hours_is_too_long() -> None:
    stay = record(1, "2026-11-05 08:00", "2026-11-06 08:00")
    issues = record_errors(stay, now=NOW, tz=CHICAGO)
    assert codes(issues) == ["too_long"]
    assert "24 hours or more" in issues[0].message


@pytest.mark.parametrize(
    "check_out", ["2026-11-06 08:00:01", "2026-11-06 14:00", "2026-11-08 08:00"]
)
def test_a_stay_over_24_hours_is_too_long(check_out: str) -> None:
    stay = record(1, "2026-11-05 08:00", check_out)
    assert codes(record_errors(stay, now=NOW, tz=CHICAGO)) == ["too_long"]


def test_a_stay_just_under_24_hours_is_not_too_long_but_is_a_long_day() -> None:
    stay = Record.at(1, 1, local("2026-11-05 08:00"), local("2026-11-06 07:59:59"))
    assert record_errors(stay, now=NOW, tz=CHICAGO) == []
    assert codes(student_issues([stay], now=NOW, tz=CHICAGO)) == ["long_day"]


def test_too_long_counts_real_hours_across_the_fall_back() -> None:
    # Given 2026-10-31 08:00 CDT to 2026-11-01 07:30 CST: 23.5 h on the wall, 24.5 h real
    stay = record(1, "2026-10-31 08:00", "2026-11-01 07:30")
    assert stay.elapsed == timedelta(hours=24, minutes=30)
    assert codes(record_errors(stay, now=NOW, tz=CHICAGO)) == ["too_long"]


def test_too_long_counts_real_hours_across_the_spring_forward() -> None:
    # Given 2026-03-07 08:00 CST to 2026-03-08 08:30 CDT: 24.5 h on the wall, 23.5 h real
    stay = record(1, "2026-03-07 08:00", "2026-03-08 08:30")
    assert stay.elapsed == timedelta(hours=23, minutes=30)
    assert "too_long" not in codes(record_errors(stay, now=NOW, tz=CHICAGO))


# --- future -----------------------------------------------------------------------------


def test_a_check_in_after_now_is_in_the_future() -> None:
    stay = record(1, "2026-11-10 16:00", "2026-11-10 17:00")
    issues = record_errors(stay, now=NOW, tz=CHICAGO)
    assert codes(issues) == ["future"]
    assert "2026-11-10 16:00 CST" in issues[0].message


def test_a_check_out_after_now_is_in_the_future() -> None:
    stay = record(1, "2026-11-10 08:00", "2026-11-10 15:01")
    assert codes(record_errors(stay, now=NOW, tz=CHICAGO)) == ["future"]


def test_a_check_out_exactly_now_is_not_in_the_future() -> None:
    stay = record(1, "2026-11-10 08:00", "2026-11-10 15:00")
    assert record_errors(stay, now=NOW, tz=CHICAGO) == []


def test_an_open_record_checked_in_later_today_is_in_the_future_only() -> None:
    stay = record(1, "2026-11-10 18:00", None)
    assert codes(record_errors(stay, now=NOW, tz=CHICAGO)) == ["future"]


def test_a_record_next_week_is_future_and_has_its_other_errors_too() -> None:
    # Given an open record a week ahead: it is not from today, and it is in the future
    stay = record(1, "2026-11-17 08:00", None)
    assert codes(record_errors(stay, now=NOW, tz=CHICAGO)) == ["missing_check_out", "future"]


# --- overlap ----------------------------------------------------------------------------


def test_two_overlapping_records_are_both_flagged_each_naming_the_other() -> None:
    # Given 08:00-12:00 and 11:00-15:00 on the same day
    first = record(1, "2026-11-09 08:00", "2026-11-09 12:00")
    second = record(2, "2026-11-09 11:00", "2026-11-09 15:00")
    # When the student's issues are judged
    issues = errors_of(second, first)
    # Then each record has one overlap error that names the other record
    assert sorted((i.record_id, str(i.code)) for i in issues) == [(1, "overlap"), (2, "overlap")]
    by_record = {i.record_id: i.message for i in issues}
    assert "(record 2)" in by_record[1]
    assert "(record 1)" in by_record[2]
    assert "2026-11-09 11:00 CST" in by_record[1]


def test_a_duplicate_record_is_an_overlap() -> None:
    first = record(1, "2026-11-09 08:00", "2026-11-09 12:00")
    duplicate = record(2, "2026-11-09 08:00", "2026-11-09 12:00")
    assert pair_ids(overlapping_pairs([first, duplicate], now=NOW, tz=CHICAGO)) == {
        frozenset({1, 2})
    }
    assert codes(errors_of(first, duplicate)) == ["overlap", "overlap"]


def test_records_touching_end_to_start_do_not_overlap() -> None:
    morning = record(1, "2026-11-09 08:00", "2026-11-09 12:00")
    afternoon = record(2, "2026-11-09 12:00", "2026-11-09 17:00")
    assert overlapping_pairs([morning, afternoon], now=NOW, tz=CHICAGO) == []
    assert errors_of(morning, afternoon) == []


def test_a_record_inside_another_overlaps_it() -> None:
    day = record(1, "2026-11-09 08:00", "2026-11-09 17:00")
    nap = record(2, "2026-11-09 12:00", "2026-11-09 13:00")
    after = record(3, "2026-11-09 14:00", "2026-11-09 15:00")
    pairs = pair_ids(overlapping_pairs([after, nap, day], now=NOW, tz=CHICAGO))
    assert pairs == {frozenset({1, 2}), frozenset({1, 3})}


def test_separate_records_on_one_day_do_not_overlap() -> None:
    records = [
        record(1, "2026-11-09 07:00", "2026-11-09 09:00"),
        record(2, "2026-11-09 09:30", "2026-11-09 11:00"),
        record(3, "2026-11-09 15:00", "2026-11-09 18:00"),
    ]
    assert overlapping_pairs(records, now=NOW, tz=CHICAGO) == []


def test_todays_open_record_lasts_until_now_for_overlaps() -> None:
    # Given a child still checked in since 08:00 today
    open_today = record(1, "2026-11-10 08:00", None)
    # Then a stay starting after 08:00 and before now overlaps it, one after now does not
    during = record(2, "2026-11-10 13:00", "2026-11-10 14:00")
    assert pair_ids(overlapping_pairs([open_today, during], now=NOW, tz=CHICAGO)) == {
        frozenset({1, 2})
    }
    earlier = record(3, "2026-11-10 06:00", "2026-11-10 08:00")
    assert overlapping_pairs([open_today, earlier], now=NOW, tz=CHICAGO) == []


def test_an_old_open_record_overlaps_only_what_covers_its_check_in() -> None:
    open_yesterday = record(1, "2026-11-09 08:00", None)
    later = record(2, "2026-11-09 09:00", "2026-11-09 12:00")
    covering = record(3, "2026-11-09 07:00", "2026-11-09 10:00")
    assert overlapping_pairs([open_yesterday, later], now=NOW, tz=CHICAGO) == []
    assert pair_ids(overlapping_pairs([open_yesterday, covering], now=NOW, tz=CHICAGO)) == {
        frozenset({1, 3})
    }


def test_a_duplicate_of_an_open_record_is_an_overlap_even_after_a_touching_stay() -> None:
    # Given a stay that ends at 08:00, then two records that both check in at 08:00:
    # one never checked out (yesterday), one complete
    before = record(1, "2026-11-09 06:00", "2026-11-09 08:00")
    open_one = record(2, "2026-11-09 08:00", None)
    complete = record(3, "2026-11-09 08:00", "2026-11-09 12:00")
    # Then the two 08:00 check-ins are a duplicate, whatever the input order
    for ordered in ([before, open_one, complete], [complete, open_one, before]):
        pairs = pair_ids(overlapping_pairs(ordered, now=NOW, tz=CHICAGO))
        assert pairs == {frozenset({2, 3})}


def test_an_overlap_across_midnight_is_found() -> None:
    night = record(1, "2026-11-08 20:00", "2026-11-09 02:00")
    early = record(2, "2026-11-09 01:00", "2026-11-09 05:00")
    assert pair_ids(overlapping_pairs([early, night], now=NOW, tz=CHICAGO)) == {frozenset({1, 2})}


def test_overlaps_compare_real_instants_across_the_fall_back() -> None:
    # Given 00:30 CDT-01:30 CDT and 01:15 CST-03:00 CST on 2026-11-01:
    # the wall clock overlaps (01:15 < 01:30) but the instants do not
    first = Record.at(1, 1, local("2026-11-01 00:30"), datetime(2026, 11, 1, 6, 30, tzinfo=UTC))
    second = Record.at(2, 1, datetime(2026, 11, 1, 7, 15, tzinfo=UTC), local("2026-11-01 03:00"))
    assert overlapping_pairs([first, second], now=NOW, tz=CHICAGO) == []


# --- several errors at once and ordering -------------------------------------------------


def test_errors_come_before_warnings_and_every_error_blocks() -> None:
    # Given a 13-hour day (warning) and an old open record (error), in that time order
    long_stay = record(1, "2026-11-02 06:00", "2026-11-02 19:00")
    open_old = record(2, "2026-11-03 08:00", None)
    issues = student_issues([long_stay, open_old], now=NOW, tz=CHICAGO)
    assert codes(issues) == ["missing_check_out", "long_day"]
    assert [i.blocking for i in issues] == [True, False]


def test_record_errors_come_in_check_in_order() -> None:
    later = record(1, "2026-11-05 08:00", None)
    earlier = record(2, "2026-11-04 08:00", "2026-11-04 07:00")
    issues = student_issues([later, earlier], now=NOW, tz=CHICAGO)
    assert [(i.record_id, str(i.code)) for i in issues] == [
        (2, "check_out_before_check_in"),
        (1, "missing_check_out"),
    ]


# --- warnings ---------------------------------------------------------------------------


def test_more_than_12_hours_on_one_date_is_a_long_day_warning() -> None:
    # Given two stays on the 9th adding up to 12 h 30 min
    morning = record(1, "2026-11-09 06:00", "2026-11-09 12:00")
    evening = record(2, "2026-11-09 12:30", "2026-11-09 19:00")
    issues = student_issues([morning, evening], now=NOW, tz=CHICAGO)
    # Then one warning for the day, not tied to a record, and it does not block
    assert codes(issues) == ["long_day"]
    (issue,) = issues
    assert not issue.blocking
    assert issue.record_id is None
    assert issue.message == "2026-11-09: 12.50 hours in care, over 12 hours."


def test_exactly_12_hours_is_not_a_long_day() -> None:
    stay = record(1, "2026-11-09 06:00", "2026-11-09 18:00")
    assert student_issues([stay], now=NOW, tz=CHICAGO) == []


def test_12_hours_spread_over_two_dates_is_not_a_long_day() -> None:
    one = record(1, "2026-11-08 12:00", "2026-11-08 20:00")
    two = record(2, "2026-11-09 06:00", "2026-11-09 14:00")
    assert student_issues([one, two], now=NOW, tz=CHICAGO) == []


def test_attendance_outside_the_authorization_is_a_warning_naming_the_dates() -> None:
    # Given care authorized from the 3rd to the 6th, and stays on the 2nd, 4th and 9th
    authorization = Authorization(date(2026, 11, 3), date(2026, 11, 6))
    stays = [
        record(1, "2026-11-09 08:00", "2026-11-09 12:00"),
        record(2, "2026-11-04 08:00", "2026-11-04 12:00"),
        record(3, "2026-11-02 08:00", "2026-11-02 12:00"),
    ]
    issues = student_issues(stays, now=NOW, tz=CHICAGO, authorization=authorization)
    # Then one non-blocking warning lists the two outside dates in order
    assert codes(issues) == ["outside_authorization"]
    assert not issues[0].blocking
    assert issues[0].message == (
        "Attendance on 2026-11-02, 2026-11-09 is outside the KinderTrack authorization "
        "(2026-11-03 to 2026-11-06)."
    )


def test_the_authorization_dates_are_inclusive() -> None:
    authorization = Authorization(date(2026, 11, 9), date(2026, 11, 9))
    stay = record(1, "2026-11-09 08:00", "2026-11-09 12:00")
    assert student_issues([stay], now=NOW, tz=CHICAGO, authorization=authorization) == []


def test_an_open_ended_authorization_covers_everything_on_its_open_side() -> None:
    assert Authorization(None, None).covers(date(1999, 1, 1))
    assert Authorization(date(2026, 1, 1), None).covers(date(2030, 1, 1))
    assert not Authorization(date(2026, 1, 1), None).covers(date(2025, 12, 31))
    assert Authorization(None, date(2026, 12, 31)).covers(date(2000, 1, 1))
    assert not Authorization(None, date(2026, 12, 31)).covers(date(2027, 1, 1))
    stay = record(1, "2025-11-09 08:00", "2025-11-09 12:00")
    issues = student_issues(
        [stay], now=NOW, tz=CHICAGO, authorization=Authorization(date(2026, 1, 1), None)
    )
    assert "(2026-01-01 to …)" in issues[0].message


def test_more_than_five_outside_dates_are_summarised() -> None:
    stays = [record(i, f"2026-10-{i:02d} 08:00", f"2026-10-{i:02d} 12:00") for i in range(1, 9)]
    authorization = Authorization(date(2026, 11, 1), None)
    (issue,) = student_issues(stays, now=NOW, tz=CHICAGO, authorization=authorization)
    assert issue.message.startswith(
        "Attendance on 2026-10-01, 2026-10-02, 2026-10-03, 2026-10-04, 2026-10-05 and 3 more "
    )


def test_the_attendance_check_uses_the_local_check_in_date() -> None:
    # Given authorization ending the 9th, a stay from 22:00 on the 9th to 02:00 on the 10th
    authorization = Authorization(None, date(2026, 11, 9))
    stay = record(1, "2026-11-09 22:00", "2026-11-10 02:00")
    assert student_issues([stay], now=NOW, tz=CHICAGO, authorization=authorization) == []


# --- hours per day ----------------------------------------------------------------------


def test_a_stay_across_midnight_belongs_to_the_check_in_date() -> None:
    stay = record(1, "2026-11-08 22:00", "2026-11-09 03:00")
    assert seconds_by_day([stay], CHICAGO) == {date(2026, 11, 8): 5 * HOUR}


def test_the_date_is_the_local_date_of_the_check_in_not_the_utc_date() -> None:
    # 19:00 CST on the 8th is 01:00 UTC on the 9th
    stay = record(1, "2026-11-08 19:00", "2026-11-08 21:00")
    assert stay.check_in.date() == date(2026, 11, 9)
    assert seconds_by_day([stay], CHICAGO) == {date(2026, 11, 8): 2 * HOUR}


def test_midnight_to_six_on_the_spring_forward_day_is_five_real_hours() -> None:
    stay = record(1, "2026-03-08 00:00", "2026-03-08 06:00")
    assert stay.elapsed == timedelta(hours=5)
    assert seconds_by_day([stay], CHICAGO) == {date(2026, 3, 8): 5 * HOUR}


def test_midnight_to_six_on_the_fall_back_day_is_seven_real_hours() -> None:
    stay = record(1, "2026-11-01 00:00", "2026-11-01 06:00")
    assert stay.elapsed == timedelta(hours=7)
    assert seconds_by_day([stay], CHICAGO) == {date(2026, 11, 1): 7 * HOUR}


def test_only_complete_records_count_towards_hours() -> None:
    records = [
        record(1, "2026-11-09 08:00", "2026-11-09 10:00"),
        record(2, "2026-11-09 11:00", None),
        record(3, "2026-11-09 13:00", "2026-11-09 12:00"),
        record(4, "2026-11-09 14:00", "2026-11-09 14:30"),
    ]
    assert seconds_by_day(records, CHICAGO) == {date(2026, 11, 9): int(2.5 * HOUR)}


def test_hours_are_summed_per_date() -> None:
    records = [
        record(1, "2026-11-09 08:00", "2026-11-09 10:00"),
        record(2, "2026-11-09 13:00", "2026-11-09 14:15"),
        record(3, "2026-11-10 08:00", "2026-11-10 09:00"),
    ]
    assert seconds_by_day(records, CHICAGO) == {
        date(2026, 11, 9): int(3.25 * HOUR),
        date(2026, 11, 10): HOUR,
    }


def test_records_in_another_zone_offset_are_counted_in_real_time() -> None:
    # Given instants carrying the Chicago zone instead of UTC, across the fall back
    check_in = datetime(2026, 11, 1, 0, 0, tzinfo=CHICAGO)
    check_out = datetime(2026, 11, 1, 6, 0, tzinfo=CHICAGO)
    stay = Record.at(1, 1, check_in, check_out)
    # Then the stay still lasts 7 real hours
    assert stay.elapsed == timedelta(hours=7)
    assert seconds_by_day([stay], CHICAGO) == {date(2026, 11, 1): 7 * HOUR}


# --- units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "units"),
    [
        (0, 0),
        (-5, 0),
        (1, 1),
        (HOUR, 1),
        (5 * HOUR - 1, 1),
        (5 * HOUR, 1),
        (5 * HOUR + 1, 2),
        (10 * HOUR, 2),
        (10 * HOUR + 1, 3),
        (15 * HOUR, 3),
        (23 * HOUR + 59 * 60, 5),
    ],
)
def test_a_days_units_are_its_hours_divided_by_five_rounded_up(seconds: int, units: int) -> None:
    assert units_for_day(seconds) == units


def test_a_unit_is_five_hours() -> None:
    assert SECONDS_PER_UNIT == 5 * HOUR
