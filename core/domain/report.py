"""The KinderTrack Subsidy Report for one school and date range (docs/DOMAIN.md, docs/CLI.md).

Pure: the use case loads the students and records, this module judges them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

from core.domain.absences import AbsenceKind, judge_absences
from core.domain.attendance import (
    Authorization,
    Issue,
    Record,
    authorization_warnings,
    long_day_warnings,
    units_for_day,
)
from core.domain.attendance_scan import scan_student
from core.domain.authorized_units import units_over_warnings
from core.domain.instants import LocalDays, from_seconds, local_date
from core.domain.submission import AbsenceDay, Stay, fingerprint
from core.i18n import _, ngettext
from core.ports import Sendable, SubmittedAbsence, SubmittedRecord


class ProviderStatus(StrEnum):
    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    INACTIVE = "inactive"


class RowStatus(StrEnum):
    UNDEFINED = "undefined"  # KinderTrack shows "-": provider missing, unknown or inactive
    UNAPPROVED = "unapproved"  # no KinderTrack child ID: nothing of theirs would be sent
    APPROVED = "approved"
    NO_ATTENDANCE = "no_attendance"

    @property
    def label(self) -> str:
        return {
            RowStatus.UNDEFINED: "-",
            RowStatus.UNAPPROVED: "Unapproved",
            RowStatus.APPROVED: "Approved",
            RowStatus.NO_ATTENDANCE: "No attendance",
        }[self]


@dataclass(frozen=True)
class Student:
    id: int
    name: str
    child_id: str | None
    authorization: Authorization | None = None
    units_per_day: int | None = None
    """Authorized half-day units a day, from KinderTrack's roster (when known)."""
    birth_date: date | None = None


class RowState(StrEnum):
    """A row's state in a director's words (KinderTrack's status is shown beside it)."""

    READY = "ready"  # linked, attendance without errors: it will be sent
    NEEDS_FIX = "needs_fix"  # attendance errors to fix before anything can be sent
    NOT_LINKED = "not_linked"  # no KinderTrack child ID (or no provider ID): not sent
    NO_ATTENDANCE = "no_attendance"


@dataclass(frozen=True)
class ReportIssue:
    student_id: int
    student: str
    code: str
    message: str
    record_id: int | None
    check_in_s: int | None = None
    check_out_s: int | None = None
    """The stay's instants (epoch seconds), so it can be described without a lookup."""
    day: date | None = None
    """The day an issue without a stay is about (``absent_and_present``)."""
    facts: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)
    """The issue's values (days, counts) for wording it in the reader's language."""

    def to_json(self) -> dict[str, object]:
        return {
            "student": self.student,
            "code": self.code,
            "message": self.message,
            "record_id": self.record_id,
        }


@dataclass(frozen=True)
class ReportRow:
    student_id: int
    student: str
    child_id: str | None
    status: RowStatus
    days: int
    seconds: int
    units: int
    errors: tuple[str, ...]
    stays: tuple[Record, ...] = field(default=(), repr=False, compare=False)
    """The complete stays in the range: what would be sent for this child once approved."""
    absences: int = 0
    """Days absent in the range (holidays and closures are not absences)."""
    allowance_used: int = 0
    """Days absent in the calendar month of the range's last day (or today's, if sooner)."""
    away: tuple[tuple[date, AbsenceKind], ...] = field(default=(), repr=False)
    """The days away KinderTrack would receive for this child: own absences and the
    center's closures in the range, by date."""

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    @property
    def state(self) -> RowState:
        if self.errors:
            return RowState.NEEDS_FIX
        if self.status is RowStatus.APPROVED:
            return RowState.READY
        if self.status is RowStatus.NO_ATTENDANCE:
            return RowState.NO_ATTENDANCE
        return RowState.NOT_LINKED

    def to_json(self) -> dict[str, object]:
        return {
            "student": self.student,
            "child_id": self.child_id,
            "status": str(self.status),
            "days": self.days,
            "hours": self.hours,
            "units": self.units,
            "errors": list(self.errors),
            "absences": self.absences,
        }


@dataclass(frozen=True)
class SubsidyReport:
    school: str
    provider_id: str | None
    provider_status: ProviderStatus
    start: date
    end: date
    pay_period_match: bool
    already_submitted: bool
    rows: tuple[ReportRow, ...]
    errors: tuple[ReportIssue, ...]
    warnings: tuple[ReportIssue, ...]
    as_of: date | None = None
    """The school's local date the report was made on."""
    absence_allowance: int = 4
    """Absence days a month Iowa pays per child (the setting the report was judged by)."""
    tz: ZoneInfo | None = field(default=None, compare=False)
    """The school's zone: how its times are shown."""

    @property
    def stays_to_send(self) -> list[Stay]:
        """What an approval covers: each approved child's complete stays, in seconds."""
        return [
            (row.child_id, stay.check_in_s, stay.check_out_s)
            for row in self.rows
            if row.status is RowStatus.APPROVED and row.child_id is not None
            for stay in row.stays
            if stay.check_out_s is not None
        ]

    @property
    def absences_to_send(self) -> list[AbsenceDay]:
        """The days away an approval covers: each linked child's (approved, or with no
        attendance at all) absences and the center's closures in the range."""
        return [
            (row.child_id, day.isoformat(), str(kind))
            for row in self.rows
            if row.status in (RowStatus.APPROVED, RowStatus.NO_ATTENDANCE)
            and row.child_id is not None
            for day, kind in row.away
        ]

    @cached_property
    def stay_records(self) -> tuple[SubmittedRecord, ...]:
        """The stays KinderTrack would receive, made when first asked for: a preview
        shows rows and totals, only approval and submission need each record."""
        return tuple(
            SubmittedRecord(child, from_seconds(check_in), from_seconds(check_out))
            for child, check_in, check_out in self.stays_to_send
        )

    @property
    def records_to_send(self) -> tuple[Sendable, ...]:
        """Everything KinderTrack would receive: the stays, then the days away."""
        away = [
            SubmittedAbsence(child, date.fromisoformat(day), kind)
            for child, day, kind in self.absences_to_send
        ]
        return (*self.stay_records, *away)

    @property
    def period_over(self) -> bool:
        """Has the range ended? Submitting earlier locks out the days still to come."""
        return self.as_of is None or self.end < self.as_of

    @property
    def days_to_come(self) -> tuple[date, date] | None:
        """The first and last day of the range from today on: attendance a submission now
        could never include. None once the range has ended."""
        if self.as_of is None or self.period_over:
            return None
        return max(self.as_of, self.start), self.end

    @property
    def can_submit(self) -> bool:
        approved = [row for row in self.rows if row.status is RowStatus.APPROVED]
        return (
            self.provider_status is ProviderStatus.REGISTERED
            and self.pay_period_match
            and not self.already_submitted
            and bool(approved)
            and not any(row.errors for row in approved)
        )

    @property
    def blocking_reasons(self) -> list[str]:
        """Why ``can_submit`` is false, in words a director understands."""
        reasons = []
        if self.provider_status is ProviderStatus.UNREGISTERED:
            reasons.append(_("The school has no KinderTrack provider ID registered."))
        elif self.provider_status is ProviderStatus.INACTIVE:
            reasons.append("Inactive KinderTrack provider ID.")
        if not self.pay_period_match:
            reasons.append(_("The dates must match one pay period exactly."))
        if self.already_submitted:
            reasons.append(_("This pay period was already submitted."))
        approved = [row for row in self.rows if row.status is RowStatus.APPROVED]
        if not approved and self.provider_status is ProviderStatus.REGISTERED:
            reasons.append(_("No linked child has attendance in this period."))
        bad = sum(1 for row in approved if row.errors)
        if bad:
            reasons.append(
                ngettext(
                    "{n} approved child has attendance errors to fix.",
                    "{n} approved children have attendance errors to fix.",
                    bad,
                )
            )
        return reasons

    @property
    def total_units(self) -> int:
        return sum(row.units for row in self.rows if row.status is RowStatus.APPROVED)

    @property
    def total_hours(self) -> float:
        seconds = sum(row.seconds for row in self.rows if row.status is RowStatus.APPROVED)
        return round(seconds / 3600, 2)

    def count(self, status: RowStatus) -> int:
        return sum(1 for row in self.rows if row.status is status)

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(
            self.provider_id or "",
            self.start,
            self.end,
            self.stays_to_send,
            self.absences_to_send,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "school": self.school,
            "provider_id": self.provider_id,
            "provider_status": str(self.provider_status),
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "pay_period_match": self.pay_period_match,
            "already_submitted": self.already_submitted,
            "can_submit": self.can_submit,
            "errors": [issue.to_json() for issue in self.errors],
            "warnings": [issue.to_json() for issue in self.warnings],
            "rows": [row.to_json() for row in self.rows],
        }


def build_report(
    *,
    school: str,
    provider_id: str | None,
    provider_status: ProviderStatus,
    start: date,
    end: date,
    pay_period_match: bool,
    already_submitted: bool,
    students: Sequence[Student],
    records: Sequence[Record],
    now: datetime,
    tz: ZoneInfo,
    absences: Mapping[int, Mapping[date, AbsenceKind]] | None = None,
    closures: Mapping[date, AbsenceKind] | None = None,
    absence_allowance: int = 4,
) -> SubsidyReport:
    """Judge a range: ``records`` may reach a day beyond it (for overlaps at the edges);
    only records whose local check-in date is inside [start, end] belong to the report.
    ``absences`` (by student) cover the calendar months the range touches; ``closures``
    are the center's days closed."""
    absences = absences or {}
    closures = closures or {}
    today = local_date(now, tz)
    closed_in_range = sorted((d, k) for d, k in closures.items() if start <= d <= end)
    by_student: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_student[record.student_id].append(record)
    days = LocalDays(tz, start - timedelta(days=1), end + timedelta(days=1))

    by_id: dict[int, Record] | None = None  # made on the first issue naming a stay
    rows: list[ReportRow] = []
    errors: list[ReportIssue] = []
    warnings: list[ReportIssue] = []
    for student in sorted(students, key=lambda s: (s.name.casefold(), s.id)):
        scan = scan_student(
            by_student.get(student.id, ()), start=start, end=end, now=now, days=days
        )
        issues: list[Issue] = []
        if scan.inside:
            # Overlaps may reach across the range's edges; day-level warnings may not.
            issues = (
                scan.errors
                + long_day_warnings(student.id, scan.per_day)
                + authorization_warnings(student.id, scan.dates, student.authorization)
                + units_over_warnings(
                    student.id,
                    scan.per_day,
                    units_per_day=student.units_per_day,
                    birth_date=student.birth_date,
                )
                + scan.still_in
            )
        own = absences.get(student.id, {})
        away = judge_absences(
            student.id,
            own=own,
            closures=closures,
            attended=scan.dates,
            start=start,
            end=end,
            today=today,
            allowance=absence_allowance,
            expected=student.child_id is not None,
            authorization=student.authorization,
        )
        issues += away.issues
        row_errors: list[str] = []
        for issue in issues:
            target = errors if issue.blocking else warnings
            stay = None
            if issue.record_id is not None:
                if by_id is None:
                    by_id = {record.id: record for record in records}
                stay = by_id.get(issue.record_id)
            target.append(
                ReportIssue(
                    student.id,
                    student.name,
                    str(issue.code),
                    issue.message,
                    issue.record_id,
                    stay.check_in_s if stay else None,
                    stay.check_out_s if stay else None,
                    issue.day,
                    issue.facts,
                )
            )
            if issue.blocking and str(issue.code) not in row_errors:
                row_errors.append(str(issue.code))
        if provider_status is not ProviderStatus.REGISTERED:
            status = RowStatus.UNDEFINED
        elif student.child_id is None:
            status = RowStatus.UNAPPROVED
        elif scan.inside:
            status = RowStatus.APPROVED
        else:
            status = RowStatus.NO_ATTENDANCE
        rows.append(
            ReportRow(
                student_id=student.id,
                student=student.name,
                child_id=student.child_id,
                status=status,
                days=len(scan.dates),
                seconds=sum(scan.per_day.values()),
                units=sum(map(units_for_day, scan.per_day.values())),
                errors=tuple(row_errors),
                stays=tuple(scan.stays),
                absences=away.absences,
                allowance_used=away.allowance_used,
                away=tuple(
                    sorted(
                        [(d, k) for d, k in own.items() if start <= d <= end]
                        + [(d, k) for d, k in closed_in_range if d not in own]
                    )
                ),
            )
        )
    return SubsidyReport(
        school=school,
        provider_id=provider_id,
        provider_status=provider_status,
        start=start,
        end=end,
        pay_period_match=pay_period_match,
        already_submitted=already_submitted,
        rows=tuple(rows),
        errors=tuple(errors),
        warnings=tuple(warnings),
        as_of=today,
        absence_allowance=absence_allowance,
        tz=tz,
    )
