"""The KinderTrack Subsidy Report for one school and date range (DESIGN §1, §5).

Pure: the use case loads the students and records, this module judges them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.domain.attendance import (
    Authorization,
    Issue,
    Record,
    day_warnings,
    local_dates,
    scan_student,
    units_for_day,
)
from core.domain.instants import local_date
from core.domain.submission import fingerprint
from core.ports import SubmittedRecord


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


@dataclass(frozen=True)
class ReportIssue:
    student_id: int
    student: str
    code: str
    message: str
    record_id: int | None

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

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    def to_json(self) -> dict[str, object]:
        return {
            "student": self.student,
            "child_id": self.child_id,
            "status": str(self.status),
            "days": self.days,
            "hours": self.hours,
            "units": self.units,
            "errors": list(self.errors),
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
    records_to_send: tuple[SubmittedRecord, ...] = field(repr=False)
    as_of: date | None = None
    """The school's local date the report was made on."""

    @property
    def period_over(self) -> bool:
        """Has the range ended? Submitting earlier locks out the days still to come."""
        return self.as_of is None or self.end < self.as_of

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
            reasons.append("The school has no KinderTrack provider ID registered.")
        elif self.provider_status is ProviderStatus.INACTIVE:
            reasons.append("Inactive KinderTrack provider ID.")
        if not self.pay_period_match:
            reasons.append("The dates must match one pay period exactly.")
        if self.already_submitted:
            reasons.append("This pay period was already submitted.")
        approved = [row for row in self.rows if row.status is RowStatus.APPROVED]
        if not approved and self.provider_status is ProviderStatus.REGISTERED:
            reasons.append("No linked child has attendance in this period.")
        bad = sum(1 for row in approved if row.errors)
        if bad:
            reasons.append(
                f"{bad} approved {'child has' if bad == 1 else 'children have'} "
                "attendance errors to fix."
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

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.provider_id or "", self.start, self.end, self.records_to_send)

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
) -> SubsidyReport:
    """Judge a range: ``records`` may reach a day beyond it (for overlaps at the edges);
    only records whose local check-in date is inside [start, end] belong to the report."""
    by_student: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        by_student[record.student_id].append(record)
    days = local_dates(records, tz)

    rows: list[ReportRow] = []
    errors: list[ReportIssue] = []
    warnings: list[ReportIssue] = []
    to_send: list[SubmittedRecord] = []
    for student in sorted(students, key=lambda s: (s.name.casefold(), s.id)):
        scan = scan_student(
            by_student.get(student.id, []), start=start, end=end, now=now, tz=tz, days=days
        )
        inside, per_day = scan.inside, scan.per_day
        issues: list[Issue] = []
        if inside:
            # Overlaps may reach across the range's edges; day-level warnings may not.
            issues = (
                scan.errors
                + day_warnings(
                    inside, tz=tz, authorization=student.authorization, days=days, per_day=per_day
                )
                + scan.still_in
            )
        row_errors: list[str] = []
        for issue in issues:
            target = errors if issue.blocking else warnings
            target.append(
                ReportIssue(
                    student.id, student.name, str(issue.code), issue.message, issue.record_id
                )
            )
            if issue.blocking and str(issue.code) not in row_errors:
                row_errors.append(str(issue.code))
        if provider_status is not ProviderStatus.REGISTERED:
            status = RowStatus.UNDEFINED
        elif student.child_id is None:
            status = RowStatus.UNAPPROVED
        elif inside:
            status = RowStatus.APPROVED
        else:
            status = RowStatus.NO_ATTENDANCE
        rows.append(
            ReportRow(
                student_id=student.id,
                student=student.name,
                child_id=student.child_id,
                status=status,
                days=len({days[r.id] for r in inside}),
                seconds=sum(per_day.values()),
                units=sum(units_for_day(s) for s in per_day.values()),
                errors=tuple(row_errors),
            )
        )
        child = student.child_id
        if status is RowStatus.APPROVED and child is not None:
            to_send.extend(
                SubmittedRecord(child, r.check_in, r.check_out)
                for r in inside
                if r.check_out is not None and r.check_out > r.check_in
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
        records_to_send=tuple(to_send),
        as_of=local_date(now, tz),
    )
