"""Instants typed by people (docs/DOMAIN.md): ISO 8601 with an offset, or naive local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from core.domain.instants import (
    FIRST_DATE,
    LAST_DATE,
    LocalDays,
    from_seconds,
    local_date,
    local_day_bounds,
    localize,
    parse_date,
    parse_instant,
    show,
    to_seconds,
    whole_second,
    zone,
)
from core.errors import InvalidInput
from tests.unit.strategies import CHICAGO, FAST, chicago_wall_times, examples, utc_instants

# --- parse_instant: accepted --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-09T08:15-06:00", datetime(2026, 11, 9, 14, 15, tzinfo=UTC)),
        ("2026-11-09T08:15:30+00:00", datetime(2026, 11, 9, 8, 15, 30, tzinfo=UTC)),
        ("2026-11-09T08:15Z", datetime(2026, 11, 9, 8, 15, tzinfo=UTC)),
        ("2026-11-09T08:15:00Z", datetime(2026, 11, 9, 8, 15, tzinfo=UTC)),
        ("2026-11-09 08:15+05:30", datetime(2026, 11, 9, 2, 45, tzinfo=UTC)),
        ("  2026-07-01T12:00-05:00\n", datetime(2026, 7, 1, 17, 0, tzinfo=UTC)),
    ],
)
def test_an_instant_with_an_offset_or_z_is_taken_as_written(raw: str, expected: datetime) -> None:
    # When a time with an explicit offset is parsed
    parsed = parse_instant(raw, CHICAGO)
    # Then it is that instant, in UTC, whatever the school's zone
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(0)
    assert parse_instant(raw, ZoneInfo("Asia/Tokyo")) == expected


@pytest.mark.parametrize(
    ("raw", "expected_utc"),
    [
        # Winter: CST is UTC-6
        ("2026-11-09T08:15", datetime(2026, 11, 9, 14, 15, tzinfo=UTC)),
        ("2026-11-09 08:15", datetime(2026, 11, 9, 14, 15, tzinfo=UTC)),
        ("2026-01-05t07:00", datetime(2026, 1, 5, 13, 0, tzinfo=UTC)),
        # Summer: CDT is UTC-5
        ("2026-07-01T08:15:00", datetime(2026, 7, 1, 13, 15, tzinfo=UTC)),
        # Just outside the DST change hours
        ("2026-03-08T01:59", datetime(2026, 3, 8, 7, 59, tzinfo=UTC)),
        ("2026-03-08T03:00", datetime(2026, 3, 8, 8, 0, tzinfo=UTC)),
        ("2026-11-01T00:59", datetime(2026, 11, 1, 5, 59, tzinfo=UTC)),
        ("2026-11-01T02:00", datetime(2026, 11, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_a_naive_time_is_local_wall_time_in_the_school_zone(
    raw: str, expected_utc: datetime
) -> None:
    assert parse_instant(raw, CHICAGO) == expected_utc


def test_the_same_naive_time_means_different_instants_in_different_zones() -> None:
    chicago = parse_instant("2026-11-09T08:00", CHICAGO)
    denver = parse_instant("2026-11-09T08:00", ZoneInfo("America/Denver"))
    assert denver - chicago == timedelta(hours=1)


# --- parse_instant: DST -------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2026-03-08T02:30", "2026-03-08 02:00", "2026-03-08T02:59"])
def test_a_naive_time_skipped_by_spring_forward_is_refused_asking_for_an_offset(raw: str) -> None:
    # Given 2026-03-08, when Chicago clocks jump from 02:00 to 03:00
    with pytest.raises(InvalidInput) as refused:
        parse_instant(raw, CHICAGO)
    # Then the refusal says the time does not exist and asks for a UTC offset
    message = str(refused.value)
    assert "does not exist" in message
    assert "America/Chicago" in message
    assert "UTC offset" in message


@pytest.mark.parametrize("raw", ["2026-11-01T01:30", "2026-11-01 01:00", "2026-11-01T01:59"])
def test_a_naive_time_repeated_by_fall_back_is_refused_asking_for_an_offset(raw: str) -> None:
    # Given 2026-11-01, when Chicago clocks go from 02:00 CDT back to 01:00 CST
    with pytest.raises(InvalidInput) as refused:
        parse_instant(raw, CHICAGO)
    # Then the refusal says the time happens twice and asks for a UTC offset
    message = str(refused.value)
    assert "happens twice" in message
    assert "UTC offset" in message


def test_the_dst_refusal_shows_an_example_with_an_offset_that_parses() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_instant("2026-11-01T01:30", CHICAGO)
    example = str(refused.value).rsplit("like ", 1)[1].rstrip(".")
    assert example == "2026-11-01T01:30-05:00"
    assert parse_instant(example, CHICAGO) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # The repeated 01:30: first as CDT, then as CST, an hour apart
        ("2026-11-01T01:30-05:00", datetime(2026, 11, 1, 6, 30, tzinfo=UTC)),
        ("2026-11-01T01:30-06:00", datetime(2026, 11, 1, 7, 30, tzinfo=UTC)),
        # The skipped 02:30, with an explicit offset, is a real instant
        ("2026-03-08T02:30-06:00", datetime(2026, 3, 8, 8, 30, tzinfo=UTC)),
        ("2026-03-08T02:30-05:00", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
        ("2026-03-08T08:30Z", datetime(2026, 3, 8, 8, 30, tzinfo=UTC)),
    ],
)
def test_the_dst_times_are_accepted_with_an_explicit_offset(raw: str, expected: datetime) -> None:
    assert parse_instant(raw, CHICAGO) == expected


def test_localize_keeps_unambiguous_times_and_refuses_the_others() -> None:
    assert localize(datetime(2026, 6, 1, 9, 0), CHICAGO).utcoffset() == timedelta(hours=-5)
    assert localize(datetime(2026, 12, 1, 9, 0), CHICAGO).utcoffset() == timedelta(hours=-6)
    with pytest.raises(InvalidInput, match="does not exist"):
        localize(datetime(2026, 3, 8, 2, 30), CHICAGO)
    with pytest.raises(InvalidInput, match="happens twice"):
        localize(datetime(2026, 11, 1, 1, 30), CHICAGO)


def test_a_zone_without_dst_accepts_every_wall_time() -> None:
    phoenix = ZoneInfo("America/Phoenix")
    assert parse_instant("2026-03-08T02:30", phoenix) == datetime(2026, 3, 8, 9, 30, tzinfo=UTC)
    assert parse_instant("2026-11-01T01:30", phoenix) == datetime(2026, 11, 1, 8, 30, tzinfo=UTC)


# --- parse_instant: refused ---------------------------------------------------------------


@pytest.mark.parametrize("raw", ["", "   ", "\n"])
def test_an_empty_time_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(InvalidInput, match=r"^The check-in time is empty\.$"):
        parse_instant(raw, CHICAGO, what="check-in time")


@pytest.mark.parametrize("raw", ["2026-11-09", " 2026-11-09 ", "20261109", "08:15", "today"])
def test_a_date_alone_or_a_time_alone_is_refused_asking_for_both(raw: str) -> None:
    with pytest.raises(InvalidInput, match="needs a date and a time"):
        parse_instant(raw, CHICAGO, what="check-in time")


@pytest.mark.parametrize(
    "raw",
    [
        "not a time at all",
        "2026-11-09T25:00",
        "2026-02-30T08:00",
        "2026-11-09T08:15+25:00",
        "11/09/2026 25:15",
        "2026-11-09 8:15 in the morning",
    ],
)
def test_garbage_is_refused_with_examples_a_director_can_copy(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_instant(raw, CHICAGO, what="check_out")
    message = str(refused.value)
    assert message.startswith("Check_out ")
    assert "2026-11-09 08:15" in message and "11/09/2026 8:15 AM" in message
    assert "ISO" not in message


@pytest.mark.parametrize(
    "raw", ["9999-12-31T23:00", "0001-01-01T00:00+01:00", "9999-12-31T23:59:59-14:00"]
)
def test_an_instant_outside_the_representable_range_is_refused_not_crashed(raw: str) -> None:
    # Given a time whose UTC equivalent falls outside years 1-9999
    # Then it is a refusal (an import names the bad row), not an OverflowError
    with pytest.raises(InvalidInput):
        parse_instant(raw, CHICAGO)


@FAST
@given(raw=st.text(max_size=30))
def test_any_text_either_parses_to_an_aware_utc_instant_or_is_refused(raw: str) -> None:
    try:
        parsed = parse_instant(raw, CHICAGO)
    except InvalidInput as refused:
        assert "\n" not in str(refused) or "\n" in raw
    else:
        assert parsed.tzinfo is not None
        assert parsed.utcoffset() == timedelta(0)


@FAST
@given(wall=chicago_wall_times)
def test_a_naive_wall_time_is_refused_exactly_when_it_is_skipped_or_repeated(
    wall: datetime,
) -> None:
    wall = wall.replace(microsecond=0)
    early = wall.replace(tzinfo=CHICAGO, fold=0)
    late = wall.replace(tzinfo=CHICAGO, fold=1)
    ambiguous_or_missing = early.utcoffset() != late.utcoffset()
    text = wall.isoformat()
    if ambiguous_or_missing:
        with pytest.raises(InvalidInput, match="UTC offset"):
            parse_instant(text, CHICAGO)
    else:
        parsed = parse_instant(text, CHICAGO)
        # Round trip: the instant shown in Chicago is the wall time typed
        assert parsed.astimezone(CHICAGO).replace(tzinfo=None) == wall


@FAST
@given(instant=utc_instants)
def test_an_instant_written_with_its_local_offset_parses_back_to_itself(instant: datetime) -> None:
    instant = instant.replace(microsecond=0)
    written = instant.astimezone(CHICAGO).isoformat()
    assert parse_instant(written, CHICAGO) == instant


# --- parse_date ---------------------------------------------------------------------------


def test_a_date_is_parsed_from_iso_text() -> None:
    assert parse_date(" 2026-11-08 ") == date(2026, 11, 8)


@pytest.mark.parametrize("raw", ["", "2026-13-01", "13/08/2026", "yesterday"])
def test_a_bad_date_is_refused_with_an_example(raw: str) -> None:
    with pytest.raises(InvalidInput, match="like 11/08/2026 or 2026-11-08") as refused:
        parse_date(raw, what="start date")
    assert str(refused.value).startswith("The start date ")


# --- zones, local dates and days ----------------------------------------------------------


def test_a_known_zone_is_returned_and_an_unknown_one_refused() -> None:
    assert zone("America/Chicago") == CHICAGO
    with pytest.raises(InvalidInput, match="Unknown time zone 'America/Springfield'"):
        zone("America/Springfield")
    with pytest.raises(InvalidInput, match="IANA name"):
        zone("../etc/passwd")
    with pytest.raises(InvalidInput):
        zone("")


def test_the_local_date_of_an_instant_is_the_date_on_the_school_wall() -> None:
    # Given 2026-11-10 03:30 UTC, which is still the evening of the 9th in Chicago
    instant = datetime(2026, 11, 10, 3, 30, tzinfo=UTC)
    assert local_date(instant, CHICAGO) == date(2026, 11, 9)
    assert local_date(instant, ZoneInfo("Europe/Berlin")) == date(2026, 11, 10)


@pytest.mark.parametrize(
    ("day", "hours", "start_utc"),
    [
        (date(2026, 3, 7), 24, datetime(2026, 3, 7, 6, 0, tzinfo=UTC)),
        (date(2026, 3, 8), 23, datetime(2026, 3, 8, 6, 0, tzinfo=UTC)),
        (date(2026, 3, 9), 24, datetime(2026, 3, 9, 5, 0, tzinfo=UTC)),
        (date(2026, 11, 1), 25, datetime(2026, 11, 1, 5, 0, tzinfo=UTC)),
        (date(2026, 11, 2), 24, datetime(2026, 11, 2, 6, 0, tzinfo=UTC)),
    ],
)
def test_a_local_day_lasts_23_or_25_hours_on_dst_change_days(
    day: date, hours: int, start_utc: datetime
) -> None:
    start, end = local_day_bounds(day, CHICAGO)
    assert start == start_utc
    assert end - start == timedelta(hours=hours)
    assert start.utcoffset() == timedelta(0)
    assert end.utcoffset() == timedelta(0)


@FAST
@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
def test_local_days_tile_time_and_contain_exactly_their_instants(day: date) -> None:
    start, end = local_day_bounds(day, CHICAGO)
    following_start, _ = local_day_bounds(day + timedelta(days=1), CHICAGO)
    assert end == following_start
    assert local_date(start, CHICAGO) == day
    assert local_date(end - timedelta(microseconds=1), CHICAGO) == day
    assert local_date(end, CHICAGO) == day + timedelta(days=1)
    assert timedelta(hours=23) <= end - start <= timedelta(hours=25)


def test_an_instant_is_shown_as_local_wall_time_with_the_zone_abbreviation() -> None:
    assert show(datetime(2026, 11, 9, 14, 15, tzinfo=UTC), CHICAGO) == "2026-11-09 08:15 CST"
    assert show(datetime(2026, 7, 1, 13, 0, tzinfo=UTC), CHICAGO) == "2026-07-01 08:00 CDT"
    # The two 01:30s of the fall-back night are told apart by their abbreviation
    assert show(datetime(2026, 11, 1, 6, 30, tzinfo=UTC), CHICAGO) == "2026-11-01 01:30 CDT"
    assert show(datetime(2026, 11, 1, 7, 30, tzinfo=UTC), CHICAGO) == "2026-11-01 01:30 CST"


def test_show_accepts_an_instant_in_any_offset() -> None:
    eastern = datetime(2026, 11, 9, 9, 15, tzinfo=timezone(timedelta(hours=-5)))
    assert show(eastern, CHICAGO) == "2026-11-09 08:15 CST"


@FAST
@given(wall=chicago_wall_times)
def test_localized_wall_times_keep_their_wall_clock(wall: datetime) -> None:
    try:
        aware = localize(wall, CHICAGO)
    except InvalidInput:
        assume(False)
        return
    assert aware.replace(tzinfo=None) == wall
    assert aware.astimezone(UTC).astimezone(CHICAGO).replace(tzinfo=None) == wall


# --- whole seconds and epoch seconds ------------------------------------------------------


def test_a_fraction_of_a_second_is_dropped_when_parsing() -> None:
    parsed = parse_instant("2026-11-09T08:15:30.999999-06:00", CHICAGO)
    assert parsed == datetime(2026, 11, 9, 14, 15, 30, tzinfo=UTC)
    assert whole_second(datetime(2026, 11, 9, 14, 15, 30, 500_000, tzinfo=UTC)) == parsed


@FAST
@given(instant=utc_instants)
def test_epoch_seconds_round_trip_to_the_same_whole_second(instant: datetime) -> None:
    seconds = to_seconds(instant)
    assert from_seconds(seconds) == whole_second(instant)
    assert from_seconds(seconds).tzinfo is UTC
    # The zone it is written in does not matter: an instant is an instant
    assert to_seconds(instant.astimezone(CHICAGO)) == seconds
    assert seconds == int(whole_second(instant).timestamp())


ZONES = [
    CHICAGO,
    ZoneInfo("America/Havana"),  # DST changes at midnight: some days start at 01:00
    ZoneInfo("America/Santiago"),  # likewise, in the southern summer
    ZoneInfo("Australia/Lord_Howe"),  # a half-hour DST shift
    ZoneInfo("Asia/Kathmandu"),  # a +05:45 offset
    ZoneInfo("UTC"),
]


@examples(300)
@given(
    tz=st.sampled_from(ZONES),
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 1)),
    span=st.integers(min_value=0, max_value=64),
    offset_s=st.integers(min_value=-3 * 86_400, max_value=70 * 86_400),
)
def test_local_days_give_the_date_a_time_zone_conversion_gives(
    tz: ZoneInfo, first: date, span: int, offset_s: int
) -> None:
    """LocalDays bisects day starts instead of converting: the answer must be the same,
    inside its span (DST days of 23 and 25 hours, days starting at 01:00) and outside."""
    days = LocalDays(tz, first, first + timedelta(days=span))
    start, _ = local_day_bounds(first, tz)
    instant = to_seconds(start) + offset_s
    assert days.of(instant) == local_date(from_seconds(instant), tz)


@pytest.mark.parametrize("tz", ZONES, ids=lambda tz: tz.key)
def test_local_days_at_each_edge_of_a_day(tz: ZoneInfo) -> None:
    # Given the days around Chicago's spring-forward and fall-back weekends of 2026
    for first in (date(2026, 3, 6), date(2026, 10, 30), date(2026, 9, 4)):
        days = LocalDays(tz, first, first + timedelta(days=6))
        for n in range(7):
            day = first + timedelta(days=n)
            start, end = local_day_bounds(day, tz)
            # Then the first second of a day is that day and the second before it is not
            assert days.of(to_seconds(start)) == day
            assert days.of(to_seconds(end) - 1) == day
            assert days.of(to_seconds(start) - 1) == day - timedelta(days=1)


def test_local_days_without_a_span_convert_each_instant() -> None:
    days = LocalDays(CHICAGO)
    # 2026-11-10 05:59:59 UTC is still the 9th in Chicago; a second later it is the 10th
    midnight = to_seconds(datetime(2026, 11, 10, 6, 0, tzinfo=UTC))
    assert days.of(midnight - 1) == date(2026, 11, 9)
    assert days.of(midnight) == date(2026, 11, 10)


# --- dates at the calendar's edges --------------------------------------------------------


@pytest.mark.parametrize("raw", ["0001-01-01", "0001-01-14", "9999-12-18", "9999-12-31"])
def test_dates_at_the_calendars_edges_are_refused_in_one_line(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(raw, what="start date")
    assert str(refused.value) == (
        f"The start date {raw} is outside the dates Rollcall works with (1900-01-01 to 2999-12-31)."
    )


@pytest.mark.parametrize("day", [FIRST_DATE, LAST_DATE])
def test_the_first_and_last_supported_dates_work_a_day_either_side(day: date) -> None:
    # Given the window's ends, then they parse, and the day around them is still a date
    assert parse_date(day.isoformat()) == day
    assert (
        local_day_bounds(day - timedelta(days=1), CHICAGO)[0]
        < local_day_bounds(day + timedelta(days=1), CHICAGO)[1]
    )


@pytest.mark.parametrize(
    "typed",
    [
        "11/09/2026 8:15 AM",
        "11/9/2026 8:15am",
        "11/09/2026 08:15",
        "2026-11-09 8:15 AM",
        "2026-11-09T08:15",
        "2026-11-09T08:15-06:00",
    ],
)
def test_us_and_iso_dates_and_times_name_the_same_instant(typed: str) -> None:
    chicago = ZoneInfo("America/Chicago")

    assert parse_instant(typed, chicago) == datetime(2026, 11, 9, 14, 15, tzinfo=UTC)


def test_us_12_hour_times_around_noon_and_midnight() -> None:
    chicago = ZoneInfo("America/Chicago")

    assert parse_instant("11/09/2026 12:05 AM", chicago).hour == 6
    assert parse_instant("11/09/2026 12:05 PM", chicago).hour == 18


@pytest.mark.parametrize("typed", ["11/08/2026", "11/8/2026", "2026-11-08"])
def test_us_and_iso_dates(typed: str) -> None:
    assert parse_date(typed) == date(2026, 11, 8)


@pytest.mark.parametrize("typed", ["13/08/2026", "08.11.2026", "11/08/26", "Nov 8"])
def test_other_dates_are_refused_with_both_forms_shown(typed: str) -> None:
    with pytest.raises(InvalidInput, match="like 11/08/2026 or 2026-11-08"):
        parse_date(typed)


def test_a_us_time_the_clocks_repeat_is_refused() -> None:
    with pytest.raises(InvalidInput, match="happens twice"):
        parse_instant("11/01/2026 1:30 AM", ZoneInfo("America/Chicago"))
