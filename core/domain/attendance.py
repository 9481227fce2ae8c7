"""The attendance rules, one function each: blocking errors, warnings, elapsed hours, units.

These are the reference: each rule on its own, easy to read and to test. A report runs the
one-pass :func:`core.domain.attendance_scan.scan_student` instead, which a property test
(``tests/unit/test_domain_attendance_properties.py``) holds equal to these rules.

A record belongs to the local date of its check-in. Hours are real elapsed time, so a
record across a DST change counts the hour the clock skipped or repeated correctly.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from core.domain.instants import LocalDays, from_seconds, local_date, show, to_seconds

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
    OVER_AUTHORIZED_UNITS = "over_authorized_units"
    ABSENT_AND_PRESENT = "absent_and_present"
    ABSENCES_OVER_ALLOWANCE = "absences_over_allowance"
    NOT_RECORDED = "not_recorded"


BLOCKING = frozenset(
    {
        IssueCode.MISSING_CHECK_OUT,
        IssueCode.CHECK_OUT_BEFORE_CHECK_IN,
        IssueCode.OVERLAP,
        IssueCode.TOO_LONG,
        IssueCode.FUTURE,
        IssueCode.ABSENT_AND_PRESENT,
    }
)


class Record(NamedTuple):
    """One stay, its instants as whole seconds since the Unix epoch (UTC).

    A tuple with the shape of the stored row, made in one step: a report reads thousands.
    Seconds compare and subtract as real elapsed time, whatever the zone's DST does.
    """

    id: int
    student_id: int
    check_in_s: int
    check_out_s: int | None

    @classmethod
    def at(
        cls, record_id: int, student_id: int, check_in: datetime, check_out: datetime | None
    ) -> Record:
        """A record from aware instants (any zone; a fraction of a second is dropped)."""
        return cls(
            record_id,
            student_id,
            to_seconds(check_in),
            None if check_out is None else to_seconds(check_out),
        )

    @property
    def check_in(self) -> datetime:
        return from_seconds(self.check_in_s)

    @property
    def check_out(self) -> datetime | None:
        return None if self.check_out_s is None else from_seconds(self.check_out_s)

    @property
    def is_complete(self) -> bool:
        return self.check_out_s is not None and self.check_out_s > self.check_in_s

    @property
    def elapsed(self) -> timedelta:
        """Real elapsed time; zero for an open or inverted record."""
        if self.check_out_s is None or self.check_out_s <= self.check_in_s:
            return timedelta(0)
        return timedelta(seconds=self.check_out_s - self.check_in_s)


@dataclass(frozen=True)
class Issue:
    code: IssueCode
    student_id: int
    record_id: int | None
    message: str
    day: date | None = None
    """The day an issue without a stay is about (a day recorded both away and attended)."""
    facts: Mapping[str, object] = field(default_factory=dict, compare=False)
    """What the message says, as values (days, counts), so a reader's interface can word
    it in its own language and date format; ``message`` is the plain English one."""

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


by_time = itemgetter(2, 0)
"""Records in check-in order (then by ID, so duplicates keep a stable order)."""
"""Sort key: check-in order, ties broken by ID so results are stable."""

TOO_LONG_SECONDS = int(TOO_LONG.total_seconds())
_LONG_DAY_S = int(LONG_DAY.total_seconds())


def _days_for(tz: ZoneInfo, days: LocalDays | None) -> LocalDays:
    return days if days is not None else LocalDays(tz)


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

    now_s = to_seconds(now)
    check_in, check_out = record.check_in_s, record.check_out_s
    if check_out is None:
        day = day or local_date(record.check_in, tz)
        if day != (today or local_date(now, tz)):
            add(
                IssueCode.MISSING_CHECK_OUT,
                f"Checked in {_show(check_in, tz)} but never checked out: add the check-out time.",
            )
    elif check_out <= check_in:
        add(
            IssueCode.CHECK_OUT_BEFORE_CHECK_IN,
            f"Check-out {_show(check_out, tz)} is not after check-in {_show(check_in, tz)}: "
            f"fix one of the two times.",
        )
    elif check_out - check_in >= TOO_LONG_SECONDS:
        add(
            IssueCode.TOO_LONG,
            f"Checked in {_show(check_in, tz)} and out {_show(check_out, tz)}: 24 hours or "
            "more; child care is less than 24 hours a day, so a check-out is probably missing.",
        )
    if check_in > now_s or (check_out is not None and check_out > now_s):
        add(
            IssueCode.FUTURE,
            f"The record starting {_show(check_in, tz)} is in the future: check the date.",
        )
    return issues


def _show(seconds: int, tz: ZoneInfo) -> str:
    return show(from_seconds(seconds), tz)


def until_now(now: datetime) -> int:
    """Now, rounded up to the second: where an open stay of today ends. A whole-second
    check-in is before ``now`` exactly when it is before this (rounding down would miss
    one that checked in during the current second)."""
    return to_seconds(now) + (1 if now.microsecond else 0)


def _interval_end(record: Record, until: int, is_today: bool) -> int:
    """Where a record ends for overlap checks: an open record of today lasts until now
    (``until``, from ``until_now``)."""
    if record.check_out_s is not None:
        return max(record.check_out_s, record.check_in_s)
    if is_today:
        return max(until, record.check_in_s)
    return record.check_in_s


def overlapping_pairs(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDays | None = None
) -> list[tuple[Record, Record]]:
    """Pairs of one student's records that overlap in time.

    Touching end-to-start is not an overlap; two records with the same check-in are
    (a duplicate). Sorted sweep: O(n log n) plus one pair per overlap found.
    """
    days = _days_for(tz, days)
    today = days.of(to_seconds(now))
    until = until_now(now)
    pairs: list[tuple[Record, Record]] = []
    reach: Record | None = None
    reach_end = 0
    previous: Record | None = None
    for record in sorted(records, key=by_time):
        if reach is not None and (
            record.check_in_s < reach_end or record.check_in_s == reach.check_in_s
        ):
            pairs.append((reach, record))
        elif previous is not None and record.check_in_s == previous.check_in_s:
            # A duplicate of an instant-long record (open from an earlier day, or
            # inverted) that the reach does not cover, e.g. after a stay ending there.
            pairs.append((previous, record))
        end = _interval_end(record, until, days.of(record.check_in_s) == today)
        if reach is None or end > reach_end:
            reach, reach_end = record, end
        previous = record
    return pairs


def _is_plain(record: Record, now_s: int) -> bool:
    """The common case: a complete, plausible, past stay (no error of its own)."""
    check_out = record.check_out_s
    return (
        check_out is not None
        and record.check_in_s < check_out <= now_s
        and check_out - record.check_in_s < TOO_LONG_SECONDS
    )


def record_issues(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDays | None = None
) -> list[Issue]:
    """The blocking errors of one student's records (each record's own, and overlaps)."""
    days = _days_for(tz, days)
    now_s = to_seconds(now)
    today = days.of(now_s)
    issues: list[Issue] = []
    for record in sorted(records, key=by_time):
        if not _is_plain(record, now_s):
            issues.extend(
                record_errors(record, now=now, tz=tz, day=days.of(record.check_in_s), today=today)
            )
    for first, second in overlapping_pairs(records, now=now, tz=tz, days=days):
        issues.extend(overlap_issues(first, second, tz=tz))
    return issues


def long_day_warnings(student_id: int, per_day: dict[date, int]) -> list[Issue]:
    """Days of more than 12 hours in care (``per_day`` from ``seconds_by_day``), in order."""
    if not per_day or max(per_day.values()) <= _LONG_DAY_S:
        return []
    long_days = sorted(day for day, seconds in per_day.items() if seconds > _LONG_DAY_S)
    return [
        Issue(
            IssueCode.LONG_DAY,
            student_id,
            None,
            f"{day.isoformat()}: {per_day[day] / 3600:.2f} hours in care, over 12 hours.",
            facts={"day": day, "hours": per_day[day] / 3600},
        )
        for day in long_days
    ]


def authorization_warnings(
    student_id: int, dates: Iterable[date], authorization: Authorization | None
) -> list[Issue]:
    """One warning naming the dates with attendance that KinderTrack does not authorize."""
    if authorization is None:
        return []
    outside = sorted({day for day in dates if not authorization.covers(day)})
    if not outside:
        return []
    shown = ", ".join(day.isoformat() for day in outside[:5])
    more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
    return [
        Issue(
            IssueCode.OUTSIDE_AUTHORIZATION,
            student_id,
            None,
            f"Attendance on {shown}{more} is outside the KinderTrack authorization "
            f"({authorization.start or '…'} to {authorization.end or '…'}).",
            facts={"days": tuple(outside), "start": authorization.start, "end": authorization.end},
        )
    ]


def day_warnings(
    records: Sequence[Record],
    *,
    tz: ZoneInfo,
    authorization: Authorization | None = None,
    days: LocalDays | None = None,
) -> list[Issue]:
    """Warnings about whole days (never blocking): over 12 hours, outside the authorization."""
    if not records:
        return []
    days = _days_for(tz, days)
    student_id = records[0].student_id
    return long_day_warnings(
        student_id, seconds_by_day(records, tz, days=days)
    ) + authorization_warnings(student_id, (days.of(r.check_in_s) for r in records), authorization)


def still_checked_in(
    records: Sequence[Record], *, now: datetime, tz: ZoneInfo, days: LocalDays | None = None
) -> list[Issue]:
    """Stays open today (not an error): until their check-out is recorded they are not
    part of what would be sent, so submitting now would leave them out for good."""
    days = _days_for(tz, days)
    today = days.of(to_seconds(now))
    return [
        still_in_issue(record, tz)
        for record in records
        if record.check_out_s is None and days.of(record.check_in_s) == today
    ]


def still_in_issue(record: Record, tz: ZoneInfo) -> Issue:
    return Issue(
        IssueCode.STILL_CHECKED_IN,
        record.student_id,
        record.id,
        f"Checked in at {_show(record.check_in_s, tz)} and not checked out yet: this stay "
        "is not sent until its check-out is recorded.",
    )


def overlap_issues(first: Record, second: Record, *, tz: ZoneInfo) -> list[Issue]:
    return [
        Issue(
            IssueCode.OVERLAP,
            record.student_id,
            record.id,
            f"The record starting {_show(record.check_in_s, tz)} overlaps the record "
            f"starting {_show(other.check_in_s, tz)} (record {other.id}): "
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
    days = LocalDays(tz)
    return (
        record_issues(records, now=now, tz=tz, days=days)
        + day_warnings(records, tz=tz, authorization=authorization, days=days)
        + still_checked_in(records, now=now, tz=tz, days=days)
    )


def seconds_by_day(
    records: Iterable[Record], tz: ZoneInfo, *, days: LocalDays | None = None
) -> dict[date, int]:
    """Real elapsed seconds of complete records, per local date of check-in."""
    days = _days_for(tz, days)
    totals: dict[date, int] = defaultdict(int)
    for record in records:
        check_out = record.check_out_s
        if check_out is not None and check_out > record.check_in_s:
            totals[days.of(record.check_in_s)] += check_out - record.check_in_s
    return dict(totals)


def units_for_day(seconds: int) -> int:
    """Half-day units of one day: ceil(hours / 5), on whole seconds to avoid float error."""
    return -(-seconds // SECONDS_PER_UNIT) if seconds > 0 else 0
