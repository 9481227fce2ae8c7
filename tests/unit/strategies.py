"""Shared builders and Hypothesis strategies for the unit tests of core/domain.

Everything here is pure: fixed instants, no clock, no files.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st

from core.domain.attendance import Record
from core.domain.instants import localize

CHICAGO = ZoneInfo("America/Chicago")

FAST_PROFILE = "fast"
"""The Hypothesis profile ``make test-fast`` loads (``HYPOTHESIS_PROFILE=fast``, registered in
the root conftest): each property test runs :data:`FAST_PROFILE_EXAMPLES` examples. The full
suite keeps each test's own count."""
FAST_PROFILE_EXAMPLES = 20


def examples(count: int) -> settings:
    """``count`` examples and no per-example deadline; the fast profile's few under it."""
    fast = os.environ.get("HYPOTHESIS_PROFILE") == FAST_PROFILE
    return settings(max_examples=FAST_PROFILE_EXAMPLES if fast else count, deadline=None)


FAST = examples(60)
"""Hypothesis settings for the unit suite: modest, and no per-example deadline."""


def local(text: str, tz: ZoneInfo = CHICAGO) -> datetime:
    """A wall time in the school's zone ("2026-11-09 08:00"), as an aware UTC instant."""
    return localize(datetime.fromisoformat(text), tz).astimezone(UTC)


def record(
    record_id: int,
    check_in: str,
    check_out: str | None,
    *,
    student_id: int = 1,
) -> Record:
    """A record from two local wall times (check_out None: still checked in)."""
    return Record.at(
        record_id,
        student_id,
        local(check_in),
        local(check_out) if check_out is not None else None,
    )


# --- strategies ------------------------------------------------------------------------

ascii_digit_strings = st.text(alphabet="0123456789", min_size=0, max_size=8)

whitespace = st.text(alphabet=" \t\n\r\u00a0\u3000\u2003", max_size=3)

chicago_wall_times = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
)
"""Naive wall times over several DST seasons (some skipped or repeated in Chicago)."""

utc_instants = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.just(UTC),
)

GRID_ORIGIN = datetime(2026, 11, 9, 12, 0, tzinfo=UTC)  # 06:00 in Chicago
GRID_STEP = timedelta(minutes=30)


FALL_BACK_ORIGIN = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
"""Midnight in Chicago on the night clocks fall back (that day lasts 25 hours)."""

SPRING_FORWARD_ORIGIN = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)
"""Midnight in Chicago on the night clocks spring forward (that day lasts 23 hours)."""


@st.composite
def interval_sets(
    draw: st.DrawFn,
    origin: datetime = GRID_ORIGIN,
    first_step: int = -2,
    last_step: int = 10,
    max_count: int = 9,
) -> tuple[list[Record], datetime]:
    """One student's records on a coarse half-hour grid, so that duplicates, touching
    records, zero-length and inverted records, and open records (today's and older ones)
    all come up; with a ``now`` somewhere on the same grid (sometimes a day later), or a
    fraction of a second off it.

    By default the records start within one morning; a wider range of steps spreads them
    over several local days (and their midnights)."""
    count = draw(st.integers(min_value=0, max_value=max_count))
    records: list[Record] = []
    for index in range(count):
        start = origin + draw(st.integers(min_value=first_step, max_value=last_step)) * GRID_STEP
        kind = draw(st.sampled_from(["complete", "complete", "complete", "open", "inverted"]))
        if kind == "open":
            end = None
        elif kind == "inverted":
            end = start - draw(st.integers(min_value=0, max_value=2)) * GRID_STEP
        else:
            end = start + draw(st.integers(min_value=1, max_value=6)) * GRID_STEP
        records.append(Record.at(index + 1, 7, start, end))
    now = origin + draw(st.integers(min_value=first_step, max_value=last_step + 60)) * GRID_STEP
    # Now is rarely a whole second: a moment after the grid, or just before it
    now += draw(st.sampled_from([timedelta(0), timedelta(microseconds=1), -GRID_STEP / 3600]))
    return draw(st.permutations(records)), now


def days_of_intervals(origin: datetime) -> st.SearchStrategy[tuple[list[Record], datetime]]:
    """Up to 30 records spread from 6 hours before ``origin`` to 2½ days after it."""
    return interval_sets(origin=origin, first_step=-12, last_step=120, max_count=30)
