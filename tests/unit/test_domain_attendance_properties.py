"""Property tests of the attendance rules against brute-force definitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import assume, example, given
from hypothesis import strategies as st

from core.domain.attendance import (
    SECONDS_PER_UNIT,
    IssueCode,
    Record,
    overlapping_pairs,
    record_issues,
    seconds_by_day,
    still_checked_in,
    student_issues,
    units_for_day,
)
from core.domain.attendance_scan import scan_student
from core.domain.instants import LocalDays, local_date, localize
from core.errors import InvalidInput
from tests.unit.strategies import (
    CHICAGO,
    FALL_BACK_ORIGIN,
    FAST,
    GRID_ORIGIN,
    GRID_STEP,
    SPRING_FORWARD_ORIGIN,
    chicago_wall_times,
    days_of_intervals,
    examples,
    interval_sets,
)


def brute_end(record: Record, now: datetime) -> datetime:
    """Where a stay ends: its check-out; a child still in care today stays until now;
    an older open record or an inverted one is a single instant at its check-in."""
    if record.check_out is not None:
        return max(record.check_out, record.check_in)
    if local_date(record.check_in, CHICAGO) == local_date(now, CHICAGO):
        return max(now, record.check_in)
    return record.check_in


def brute_overlap(a: Record, b: Record, now: datetime) -> bool:
    """The O(n²) definition: the same check-in (a duplicate), or each starts strictly
    before the other ends (so touching end-to-start is not an overlap)."""
    if a.check_in == b.check_in:
        return True
    return a.check_in < brute_end(b, now) and b.check_in < brute_end(a, now)


# Found by this test: a stay ending at 12:30, then two records checking in at 12:30 of
# which the first is an instant long (open, checked in after now) -- a duplicate.
_DUPLICATE_AFTER_TOUCHING = (
    [
        Record.at(1, 7, GRID_ORIGIN, GRID_ORIGIN + GRID_STEP),
        Record.at(2, 7, GRID_ORIGIN + GRID_STEP, None),
        Record.at(3, 7, GRID_ORIGIN + GRID_STEP, GRID_ORIGIN + 2 * GRID_STEP),
    ],
    GRID_ORIGIN,
)


@examples(300)
@given(case=st.one_of(interval_sets(), days_of_intervals(FALL_BACK_ORIGIN)))
@example(case=_DUPLICATE_AFTER_TOUCHING)
def test_overlapping_pairs_agrees_with_the_brute_force_definition(
    case: tuple[list[Record], datetime],
) -> None:
    records, now = case
    # When the sweep finds overlapping pairs
    pairs = overlapping_pairs(records, now=now, tz=CHICAGO)
    paired = {r.id for pair in pairs for r in pair}
    # Then every pair overlaps, joins two different records and is reported once
    for a, b in pairs:
        assert a.id != b.id
        assert brute_overlap(a, b, now), (a, b)
    assert len({frozenset((a.id, b.id)) for a, b in pairs}) == len(pairs)
    # And every record that overlaps any other appears in some pair, and no other does
    overlapping = {
        a.id for a in records for b in records if a.id != b.id and brute_overlap(a, b, now)
    }
    assert paired == overlapping


@examples(150)
@given(case=st.one_of(interval_sets(), days_of_intervals(FALL_BACK_ORIGIN)))
def test_each_overlapping_record_gets_exactly_one_kind_of_overlap_error(
    case: tuple[list[Record], datetime],
) -> None:
    records, now = case
    issues = student_issues(records, now=now, tz=CHICAGO)
    flagged = {i.record_id for i in issues if i.code is IssueCode.OVERLAP}
    expected = {a.id for a in records for b in records if a.id != b.id and brute_overlap(a, b, now)}
    assert flagged == expected
    # Errors always come before warnings
    blocking = [i.blocking for i in issues]
    assert blocking == sorted(blocking, reverse=True)


@FAST
@given(case=st.one_of(interval_sets(), days_of_intervals(FALL_BACK_ORIGIN)))
def test_the_order_of_the_records_does_not_change_what_overlaps(
    case: tuple[list[Record], datetime],
) -> None:
    records, now = case
    forward = overlapping_pairs(records, now=now, tz=CHICAGO)
    backward = overlapping_pairs(list(reversed(records)), now=now, tz=CHICAGO)
    assert {frozenset((a.id, b.id)) for a, b in forward} == {
        frozenset((a.id, b.id)) for a, b in backward
    }


_ACROSS_MIDNIGHTS = (
    [
        # The last second of Saturday, the first of Sunday (23 hours long), then Monday
        Record.at(1, 7, SPRING_FORWARD_ORIGIN - timedelta(seconds=1), SPRING_FORWARD_ORIGIN),
        Record.at(2, 7, SPRING_FORWARD_ORIGIN, SPRING_FORWARD_ORIGIN + timedelta(hours=2)),
        Record.at(3, 7, SPRING_FORWARD_ORIGIN + timedelta(hours=23), None),
    ],
    SPRING_FORWARD_ORIGIN + timedelta(days=3),
)


def _aware(wall: datetime) -> datetime:
    try:
        return localize(wall.replace(microsecond=0), CHICAGO)
    except InvalidInput:
        assume(False)
        raise


@examples(200)
@given(
    first=chicago_wall_times,
    length=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=30)),
)
def test_elapsed_time_is_the_utc_difference_for_instants_in_chicago(
    first: datetime, length: timedelta
) -> None:
    # Given a check-in and check-out written in Chicago wall time (zone-aware, not UTC)
    check_in = _aware(first)
    check_out = _aware(first + length)
    assume(check_out > check_in)
    expected = check_out.astimezone(UTC) - check_in.astimezone(UTC)
    # Then the stay lasts exactly the real (UTC) difference, however it is expressed
    in_chicago = Record.at(1, 1, check_in, check_out)
    in_utc = Record.at(1, 1, check_in.astimezone(UTC), check_out.astimezone(UTC))
    assert in_chicago.elapsed == in_utc.elapsed == expected
    day = local_date(check_in, CHICAGO)
    assert seconds_by_day([in_chicago], CHICAGO) == {day: int(expected.total_seconds())}
    assert seconds_by_day([in_utc], CHICAGO) == {day: int(expected.total_seconds())}
    assert student_issues([in_chicago], now=check_out, tz=CHICAGO) == student_issues(
        [in_utc], now=check_out, tz=CHICAGO
    )


@examples(200)
@given(seconds=st.integers(min_value=-10, max_value=48 * 3600))
def test_units_are_the_ceiling_of_hours_over_five(seconds: int) -> None:
    units = units_for_day(seconds)
    if seconds <= 0:
        assert units == 0
        return
    # ceil: enough units to cover the time, and one fewer would not be
    assert units * SECONDS_PER_UNIT >= seconds
    assert (units - 1) * SECONDS_PER_UNIT < seconds
    assert units == -(-seconds // SECONDS_PER_UNIT)


@examples(200)
@given(
    a=st.integers(min_value=-10, max_value=48 * 3600),
    b=st.integers(min_value=-10, max_value=48 * 3600),
)
def test_units_never_decrease_as_hours_grow(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert units_for_day(low) <= units_for_day(high)
    # And adding five hours adds exactly one unit to any positive day
    if low > 0:
        assert units_for_day(low + SECONDS_PER_UNIT) == units_for_day(low) + 1


@examples(300)
@given(
    st.sampled_from([GRID_ORIGIN, FALL_BACK_ORIGIN, SPRING_FORWARD_ORIGIN]).flatmap(
        lambda origin: st.tuples(
            st.just(origin), st.one_of(interval_sets(origin=origin), days_of_intervals(origin))
        )
    ),
    st.integers(min_value=-1, max_value=1),
    st.integers(min_value=0, max_value=1),
    st.sampled_from(["the report's span", "a narrow span", "no span"]),
)
@example((SPRING_FORWARD_ORIGIN, _ACROSS_MIDNIGHTS), 0, 0, "the report's span")
def test_the_reports_one_pass_scan_agrees_with_the_separate_rules(
    drawn: tuple[datetime, tuple[list[Record], datetime]],
    start_shift: int,
    span: int,
    known: str,
) -> None:
    """scan_student is the report's fast path; the separate rules are the reference. It
    must agree whether the local dates come from walking the span's day starts (the
    report's case) or from converting instants outside the span, on ordinary days and
    on the 23- and 25-hour days of DST, with records on either side of midnight."""
    origin, (records, now) = drawn
    first = origin.astimezone(CHICAGO).date() + timedelta(days=start_shift)
    last = first + timedelta(days=span)
    if known == "the report's span":
        days = LocalDays(CHICAGO, first - timedelta(days=1), last + timedelta(days=1))
    elif known == "a narrow span":
        days = LocalDays(CHICAGO, first, first)
    else:
        days = LocalDays(CHICAGO)
    inside = [r for r in records if first <= local_date(r.check_in, CHICAGO) <= last]
    inside_ids = {r.id for r in inside}

    scan = scan_student(records, start=first, end=last, now=now, days=days)

    assert sorted(r.id for r in scan.inside) == sorted(inside_ids)
    assert scan.dates == {local_date(r.check_in, CHICAGO) for r in inside}
    assert [r.id for r in scan.stays] == [
        r.id for r in sorted(inside, key=lambda r: (r.check_in, r.id)) if r.is_complete
    ]
    assert scan.per_day == seconds_by_day(inside, CHICAGO)
    expected = [i for i in record_issues(records, now=now, tz=CHICAGO) if i.record_id in inside_ids]
    assert scan.errors == expected
    in_time_order = sorted(inside, key=lambda r: (r.check_in, r.id))
    assert scan.still_in == still_checked_in(in_time_order, now=now, tz=CHICAGO)
