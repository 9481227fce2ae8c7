"""The attendance rules of DESIGN §2: blocking errors, warnings, elapsed hours and units.

A record belongs to the local date of its check-in. Hours are real elapsed time, so a
record across a DST change counts the hour the clock skipped or repeated correctly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from zoneinfo import ZoneInfo

from core.domain.instants import local_date, show

SECONDS_PER_UNIT = 5 * 3600
"""Iowa CCA pays per half-day unit: up to 5 hours of service per 24 hours (IAC 441-170.1)."""

LONG_DAY = timedelta(hours=12)
TOO_LONG = timedelta(hours=24)


class IssueCode(StrEnum):
    MISSING_CHECK_OUT = "missing_check_out"
    CHECK_OUT_BEFORE_CHECK_IN = "check_out_before_check_in"
    OVERLAP = "overlap"
    TOO_LONG = "too_long"
    FUTURE = "future"
    LONG_DAY = "long_day"
    OUTSIDE_AUTHORIZATION = "outside_authorization"
    STILL_CHECKED_IN = "still_checked_in"


BLOCKING = frozenset(
    {
        IssueCode.MISSING_CHECK_OUT,
        IssueCode.CHECK_OUT_BEFORE_CHECK_IN,
        IssueCode.OVERLAP,
        IssueCode.TOO_LONG,
        IssueCode.FUTURE,
    }
)


@dataclass(slots=True)
class Record:
    """One stay: instants are timezone-aware (stored in UTC).

    Not frozen: a report builds thousands of these, and a frozen dataclass costs four times
    as much to construct. Nothing in the domain changes a record after it is made.
    """

    id: int
    student_id: int
    check_in: datetime
    check_out: datetime | None

    def __post_init__(self) -> None:
        # Hold the instants in UTC: Python compares and subtracts two datetimes that share
        # one zone by their wall clocks, which is wrong across a DST change.
        if self.check_in.tzinfo is not UTC and self.check_in.tzinfo is not None:
            self.check_in = self.check_in.astimezone(UTC)
        if (
            self.check_out is not None
            and self.check_out.tzinfo is not UTC
            and self.check_out.tzinfo is not None
        ):
            self.check_out = self.check_out.astimezone(UTC)

    @property
    def is_complete(self) -> bool:
        return self.check_out is not None and self.check_out > self.check_in

    @property
    def elapsed(self) -> timedelta:
        """Real elapsed time; zero for an open or inverted record."""
        if self.check_out is None or self.check_out <= self.check_in:
            return timedelta(0)
        return self.check_out - self.check_in


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    student_id: int
    record_id: int | None
    message: str

    @property
    def blocking(self) -> bool:
        return self.code in BLOCKING


@dataclass(frozen=True)
class Authorization:
    """The dates KinderTrack authorizes care for a child, when known."""

    start: date | None
    end: date | None

    def covers(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


_by_time = attrgetter("check_in", "id")
"""Sort key: time order, ties broken by ID so results are stable."""

LocalDates = dict[int, date]
"""Record ID → local date of its check-in, computed once per report (see ``local_dates``)."""


def local_dates(records: Iterable[Record], tz: ZoneInfo) -> LocalDates:
    return {r.id: local_date(r.check_in, tz) for r in records}


def record_errors(
    record: Record,
    *,
    now: datetime,
    tz: ZoneInfo,
    day: date | None = None,
    today: date | None = None,
) -> list[Issue]:
    """The blocking errors one record has on its own (overlaps need its neighbours).

    ``day`` and ``today`` (local dates of the check-in and of now) may be passed in when
    the caller already has them; messages are formatted only for records with errors.
    """
    issues: list[Issue] = []

    def add(code: IssueCode, message: str) -> None:
        issues.append(Issue(code, record.student_id, record.id, message))

    check_in, check_out = record.check_in, record.check_out
    if check_out is None:
        if (day or local_date(check_in, tz)) != (today or local_date(now, tz)):
            add(
                IssueCode.MISSING_CHECK_OUT,
                f"Checked in {show(check_in, tz)} but never checked out: add the check-out time.",
            )
    elif check_out <= check_in:
        add(
            IssueCode.CHECK_OUT_BEFORE_CHECK_IN,
            f"Check-out {show(check_out, tz)} is not after check-in {show(check_in, tz)}: "
            f"fix one of the two times.",
        )
    elif check_out - check_in >= TOO_LONG:
        add(
            IssueCode.TOO_LONG,
            f"Checked in {show(check_in, tz)} and out {show(check_out, tz)}: 24 hours or "
            "more; child care is less than 24 hours a day, so a check-out is probably missing.",
        )
    if check_in > now or (check_out is not None and check_out > now):
        add(
            IssueCode.FUTURE,
            f"The record starting {show(check_in, tz)} is in the future: check the date.",
        )
    return issues


def _interval_end(record: Record, now: datetime, is_today: bool) -> datetime:
    """Where a record ends for overlap checks: an open record of today lasts until now."""
    if record.check_out is not None:
        return max(record.check_out, record.check_in)
    if is_today:
        return max(now, record.check_in)
    return record.check_in


def overlapping_pairs(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDates | None = None
) -> list[tuple[Record, Record]]:
    """Pairs of one student's records that overlap in time.

    Touching end-to-start is not an overlap; two records with the same check-in are
    (a duplicate). Sorted sweep: O(n log n) plus one pair per overlap found.
    """
    days = days if days is not None else local_dates(records, tz)
    today = local_date(now, tz)
    ordered = sorted(records, key=_by_time)
    pairs: list[tuple[Record, Record]] = []
    reach: Record | None = None
    reach_end: datetime | None = None
    previous: Record | None = None
    for record in ordered:
        if (
            reach is not None
            and reach_end is not None
            and (record.check_in < reach_end or record.check_in == reach.check_in)
        ):
            pairs.append((reach, record))
        elif previous is not None and record.check_in == previous.check_in:
            # A duplicate of an instant-long record (open from an earlier day, or
            # inverted) that the reach does not cover, e.g. after a stay ending there.
            pairs.append((previous, record))
        end = _interval_end(record, now, days[record.id] == today)
        if reach_end is None or end > reach_end:
            reach, reach_end = record, end
        previous = record
    return pairs


def record_issues(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDates | None = None
) -> list[Issue]:
    """The blocking errors of one student's records (each record's own, and overlaps)."""
    days = days if days is not None else local_dates(records, tz)
    today = local_date(now, tz)
    issues: list[Issue] = []
    for record in sorted(records, key=_by_time):
        check_out = record.check_out
        if (
            check_out is not None
            and record.check_in < check_out <= now
            and (check_out - record.check_in < TOO_LONG)
        ):
            continue  # the common case: a complete, plausible, past stay
        issues.extend(record_errors(record, now=now, tz=tz, day=days[record.id], today=today))
    for first, second in overlapping_pairs(records, now=now, tz=tz, days=days):
        issues.extend(_overlap_issues(first, second, tz=tz))
    return issues


def day_warnings(
    records: Sequence[Record],
    *,
    tz: ZoneInfo,
    authorization: Authorization | None = None,
    days: LocalDates | None = None,
    per_day: dict[date, int] | None = None,
) -> list[Issue]:
    """Warnings about whole days (never blocking): over 12 hours, outside the authorization.

    ``per_day`` (from ``seconds_by_day``) may be passed in when the caller has it.
    """
    if not records:
        return []
    days = days if days is not None else local_dates(records, tz)
    student_id = records[0].student_id
    issues: list[Issue] = []
    if per_day is None:
        per_day = seconds_by_day(records, tz, days=days)
    for day, seconds in sorted(per_day.items()):
        if seconds > LONG_DAY.total_seconds():
            issues.append(
                Issue(
                    IssueCode.LONG_DAY,
                    student_id,
                    None,
                    f"{day.isoformat()}: {seconds / 3600:.2f} hours in care, over 12 hours.",
                )
            )
    if authorization is not None:
        outside = sorted({d for d in (days[r.id] for r in records) if not authorization.covers(d)})
        if outside:
            shown = ", ".join(d.isoformat() for d in outside[:5])
            more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
            issues.append(
                Issue(
                    IssueCode.OUTSIDE_AUTHORIZATION,
                    student_id,
                    None,
                    f"Attendance on {shown}{more} is outside the KinderTrack authorization "
                    f"({authorization.start or '…'} to {authorization.end or '…'}).",
                )
            )
    return issues


def still_checked_in(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDates | None = None
) -> list[Issue]:
    """Stays open today (not an error): until their check-out is recorded they are not
    part of what would be sent, so submitting now would leave them out for good."""
    today = local_date(now, tz)
    return [
        Issue(
            IssueCode.STILL_CHECKED_IN,
            record.student_id,
            record.id,
            f"Checked in at {show(record.check_in, tz)} and not checked out yet: this stay "
            "is not sent until its check-out is recorded.",
        )
        for record in records
        if record.check_out is None
        and (days[record.id] if days is not None else local_date(record.check_in, tz)) == today
    ]


@dataclass(slots=True)
class StudentScan:
    """What a report needs from one student's records, gathered in one pass."""

    inside: list[Record]
    """The records whose local check-in date is in the range, in time order."""
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
    tz: ZoneInfo,
    days: LocalDates,
) -> StudentScan:
    """One pass over one student's records (those in [start, end] and their neighbours a
    day either side): the same answers as ``record_issues`` (kept to inside records),
    ``seconds_by_day`` and ``still_checked_in`` on the inside records, which a property
    test checks, at a fraction of the cost: a report runs this for every child."""
    today = local_date(now, tz)
    inside: list[Record] = []
    inside_ids: set[int] = set()
    per_day: dict[date, int] = {}
    own: list[Issue] = []
    still_in: list[Issue] = []
    pairs: list[tuple[Record, Record]] = []
    reach: Record | None = None
    reach_end: datetime | None = None
    previous: Record | None = None
    for record in sorted(nearby, key=_by_time):
        check_in, check_out, day = record.check_in, record.check_out, days[record.id]
        is_inside = start <= day <= end
        if (
            check_out is not None
            and check_in < check_out <= now
            and (check_out - check_in < TOO_LONG)
        ):
            ends = check_out
            if is_inside:
                inside.append(record)
                inside_ids.add(record.id)
                per_day[day] = per_day.get(day, 0) + int((check_out - check_in).total_seconds())
        else:
            if check_out is not None:
                ends = max(check_out, check_in)
            else:
                ends = max(now, check_in) if day == today else check_in
            if is_inside:
                inside.append(record)
                inside_ids.add(record.id)
                own.extend(record_errors(record, now=now, tz=tz, day=day, today=today))
                if check_out is not None and check_out > check_in:
                    seconds = int((check_out - check_in).total_seconds())
                    per_day[day] = per_day.get(day, 0) + seconds
                if check_out is None and day == today:
                    still_in.extend(still_checked_in([record], now=now, tz=tz, days=days))
        if (
            reach is not None
            and reach_end is not None
            and (check_in < reach_end or check_in == reach.check_in)
        ):
            pairs.append((reach, record))
        elif previous is not None and check_in == previous.check_in:
            pairs.append((previous, record))
        if reach_end is None or ends > reach_end:
            reach, reach_end = record, ends
        previous = record
    overlaps = [
        issue
        for pair in pairs
        for issue in _overlap_issues(*pair, tz=tz)
        if issue.record_id in inside_ids
    ]
    return StudentScan(inside, per_day, own + overlaps, still_in)


def _overlap_issues(first: Record, second: Record, *, tz: ZoneInfo) -> list[Issue]:
    return [
        Issue(
            IssueCode.OVERLAP,
            record.student_id,
            record.id,
            f"The record starting {show(record.check_in, tz)} overlaps the record "
            f"starting {show(other.check_in, tz)} (record {other.id}): "
            f"delete the duplicate or fix the times.",
        )
        for record, other in ((first, second), (second, first))
    ]


def student_issues(
    records: Sequence[Record],
    *,
    now: datetime,
    tz: ZoneInfo,
    authorization: Authorization | None = None,
) -> list[Issue]:
    """Every error and warning of one student's records, errors first, in time order."""
    days = local_dates(records, tz)
    return (
        record_issues(records, now=now, tz=tz, days=days)
        + day_warnings(records, tz=tz, authorization=authorization, days=days)
        + still_checked_in(records, now=now, tz=tz, days=days)
    )


def seconds_by_day(
    records: Iterable[Record], tz: ZoneInfo, *, days: LocalDates | None = None
) -> dict[date, int]:
    """Real elapsed seconds of complete records, per local date of check-in."""
    totals: dict[date, int] = defaultdict(int)
    for record in records:
        check_out = record.check_out
        if check_out is not None and check_out > record.check_in:
            day = days[record.id] if days is not None else local_date(record.check_in, tz)
            totals[day] += int((check_out - record.check_in).total_seconds())
    return dict(totals)


def units_for_day(seconds: int) -> int:
    """Half-day units of one day: ceil(hours / 5), on whole seconds to avoid float error."""
    return -(-seconds // SECONDS_PER_UNIT) if seconds > 0 else 0
