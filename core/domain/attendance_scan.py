"""The report's fast path: every attendance rule of one student in one pass.

:mod:`core.domain.attendance` states each rule on its own (the reference);
:func:`scan_student` gives the same answers in one walk over a student's records, because
a report runs it for every child of a school (300 children, 8,400 records) on every
preview. ``tests/unit/test_domain_attendance_properties.py`` holds the two equal on
random records across DST nights, zones whose clocks change at midnight and report spans
that are known, narrow or absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.domain.attendance import (
    TOO_LONG_SECONDS,
    Issue,
    Record,
    by_time,
    overlap_issues,
    record_errors,
    still_in_issue,
    until_now,
)
from core.domain.instants import LocalDays, to_seconds


@dataclass(slots=True)
class StudentScan:
    """What a report needs from one student's records, gathered in one pass."""

    inside: list[Record]
    """The records whose local check-in date is in the range, in time order."""
    stays: list[Record]
    """The complete inside records (check-out after check-in), in time order."""
    dates: set[date]
    """The local dates of the inside records."""
    per_day: dict[date, int]
    """Real elapsed seconds of the complete inside records, per local date."""
    errors: list[Issue]
    """Blocking issues of inside records: their own, then overlaps (also with neighbours)."""
    still_in: list[Issue]
    """Warnings for inside stays open today."""


def scan_student(
    nearby: Sequence[Record],
    *,
    start: date,
    end: date,
    now: datetime,
    days: LocalDays,
) -> StudentScan:
    """One pass over one student's records (those in [start, end] and their neighbours a
    day either side): the same answers as ``record_issues`` (kept to inside records),
    ``seconds_by_day`` and ``still_checked_in`` on the inside records, which a property
    test checks, at a fraction of the cost: a report runs this for every child.

    Records come in check-in order, so each one's local date is found by walking the day
    starts of ``days`` forward rather than by a search per record; the common record (a
    complete, plausible, past stay) takes the shortest path.
    """
    tz = days.tz
    now_s = to_seconds(now)
    until = until_now(now)
    today = days.of(now_s)
    too_long = TOO_LONG_SECONDS
    starts, dates = days.starts, days.dates
    walk, span_start, span_end = 0, starts[0] if dates else 0, starts[-1] if dates else 0
    next_start = starts[1] if dates else 0
    inside: list[Record] = []
    keep = inside.append
    others: list[Record] = []  # inside records that are not complete, plausible and past
    per_day: dict[date, int] = {}
    own: list[Issue] = []
    pairs: list[tuple[Record, Record]] = []
    # The record reaching furthest so far (its check-in, where it ends); the previous one.
    reach: Record | None = None
    reach_in = reach_end = 0
    previous: Record | None = None
    previous_in = 0
    for record in sorted(nearby, key=by_time):
        _, _, check_in, check_out = record
        if span_start <= check_in < span_end:
            while check_in >= next_start:
                walk += 1
                next_start = starts[walk + 1]
            day = dates[walk]
        else:
            day = days.of(check_in)
        if (
            check_out is not None
            and check_in < check_out <= now_s
            and check_out - check_in < too_long
        ):
            ends = check_out
            if start <= day <= end:
                keep(record)
                per_day[day] = per_day.get(day, 0) + check_out - check_in
        else:
            if check_out is not None:
                ends = max(check_out, check_in)
            else:
                ends = max(until, check_in) if day == today else check_in
            if start <= day <= end:
                keep(record)
                others.append(record)
                own.extend(record_errors(record, now=now, tz=tz, day=day, today=today))
                if check_out is not None and check_out > check_in:
                    per_day[day] = per_day.get(day, 0) + check_out - check_in
        if reach is not None and (check_in < reach_end or check_in == reach_in):
            pairs.append((reach, record))
        elif previous is not None and check_in == previous_in:
            pairs.append((previous, record))
        if reach is None or ends > reach_end:
            reach, reach_in, reach_end = record, check_in, ends
        previous, previous_in = record, check_in
    if not others and not pairs:
        return StudentScan(inside, inside, set(per_day), per_day, [], [])
    local_day = days.of
    inside_ids = {r.id for r in inside}
    overlaps = [
        issue
        for pair in pairs
        for issue in overlap_issues(*pair, tz=tz)
        if issue.record_id in inside_ids
    ]
    return StudentScan(
        inside,
        [r for r in inside if r.check_out_s is not None and r.check_out_s > r.check_in_s],
        set(per_day) | {local_day(r.check_in_s) for r in others},
        per_day,
        own + overlaps,
        [
            still_in_issue(r, tz)
            for r in others
            if r.check_out_s is None and local_day(r.check_in_s) == today
        ],
    )
