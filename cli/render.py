"""How the command line shows reports, records and submissions (rich tables, JSON, CSV)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.domain.instants import show
from core.domain.report import RowStatus, SubsidyReport
from core.messages import CORRECTED_CLAIM_CONTACT
from core.services.stays import RecordView
from core.services.submissions import SubmissionView
from core.services.validation import SchoolCheck

console = Console(highlight=False, soft_wrap=True)

_STATUS_STYLE = {
    RowStatus.APPROVED: "green",
    RowStatus.UNAPPROVED: "yellow",
    RowStatus.UNDEFINED: "dim",
    RowStatus.NO_ATTENDANCE: "dim",
}


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def check_json(
    start: date, end: date, checked: Sequence[SchoolCheck], blocked: Sequence[SchoolCheck]
) -> dict[str, object]:
    """``rollcall check --json`` (docs/CLI.md)."""
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "schools": len(checked),
        "can_submit": len(checked) - len(blocked),
        "blocked": [
            {
                "school": c.school,
                "provider_status": str(c.provider_status),
                "already_submitted": c.already_submitted,
                "errors": c.errors,
                "warnings": c.warnings,
            }
            for c in blocked
        ],
    }


def check_line(school: SchoolCheck) -> str:
    """One school that cannot be submitted, and why (``rollcall check``)."""
    why = [f"{school.errors} attendance error(s)", f"provider {school.provider_status}"]
    if school.already_submitted:
        why.append("already submitted")
    return f"{school.school}: {', '.join(why)}"


def print_report(report: SubsidyReport) -> None:
    header = Text()
    header.append(f"KinderTrack Subsidy Report — {report.school}\n", style="bold")
    header.append(f"Provider ID: {report.provider_id or '(none)'} ({report.provider_status})\n")
    match = "matches a pay period" if report.pay_period_match else "does NOT match a pay period"
    header.append(f"Period: {report.start} to {report.end} ({match})\n")
    console.print(header)
    if report.errors:
        console.print(
            Text(
                f"{len(report.errors)} attendance error(s): data with errors cannot be sent.",
                style="bold white on red",
            )
        )
        for issue in report.errors:
            console.print(Text(f"  • {issue.student}: [{issue.code}] {issue.message}", style="red"))
    for issue in report.warnings:
        console.print(Text(f"  ! {issue.student}: [{issue.code}] {issue.message}", style="yellow"))
    table = Table(show_lines=False)
    numeric = {"Days", "Hours", "Units", "Absences", "Allowance"}
    for column in (
        "Student",
        "Child ID",
        "Status",
        "Days",
        "Hours",
        "Units",
        "Absences",
        "Allowance",
        "Errors",
    ):
        table.add_column(column, justify="right" if column in numeric else "left")
    for row in report.rows:
        table.add_row(
            Text(row.student),
            row.child_id or "",
            Text(row.status.label, style=_STATUS_STYLE[row.status]),
            str(row.days),
            f"{row.hours:.2f}",
            str(row.units),
            str(row.absences),
            f"{row.allowance_used}/{report.absence_allowance}",
            ", ".join(row.errors),
        )
    console.print(table)
    console.print(
        "Absences: days absent in this range; Allowance: days absent this month of the "
        f"{report.absence_allowance} a month Iowa pays (holidays and closures not counted)."
    )
    console.print(
        f"Approved: {report.count(RowStatus.APPROVED)} children, {report.total_hours:.2f} hours, "
        f"about {report.total_units} units (estimate; KinderTrack computes payment)."
    )
    if report.already_submitted:
        console.print(Text("This pay period was already submitted.", style="bold"))
        console.print(CORRECTED_CLAIM_CONTACT)
    elif report.can_submit:
        console.print(Text("Ready to submit.", style="bold green"))
        if not report.period_over:
            console.print(
                f"Note: this pay period runs until {report.end}: once it is submitted, "
                "attendance after today can no longer be added."
            )
    else:
        console.print(
            Text("Not ready to submit: " + " ".join(report.blocking_reasons), style="bold")
        )


def report_json(report: SubsidyReport) -> dict[str, object]:
    """The object of docs/CLI.md with exactly its keys: an issue is student, code, message."""
    data = report.to_json()
    for key, issues in (("errors", report.errors), ("warnings", report.warnings)):
        data[key] = [
            {"student": issue.student, "code": issue.code, "message": issue.message}
            for issue in issues
        ]
    return data


def print_records(records: Sequence[RecordView], tz: ZoneInfo) -> None:
    table = Table()
    for column in ("ID", "Student", "Check-in", "Check-out", "Hours"):
        table.add_column(column)
    for record in records:
        hours = (
            f"{(record.check_out - record.check_in).total_seconds() / 3600:.2f}"
            if record.check_out
            else ""
        )
        table.add_row(
            str(record.id),
            Text(record.student_name),
            show(record.check_in, tz),
            show(record.check_out, tz) if record.check_out else "—",
            hours,
        )
    console.print(table)


def records_json(records: Sequence[RecordView]) -> list[dict[str, object]]:
    return [
        {
            "id": r.id,
            "student": r.student_name,
            "check_in": r.check_in.isoformat(),
            "check_out": r.check_out.isoformat() if r.check_out else None,
        }
        for r in records
    ]


def print_submission(view: SubmissionView) -> None:
    console.print(
        f"Submission {view.id} for {view.period_start} to {view.period_end}: {view.state}"
    )
    if view.kindertrack_submission_id:
        console.print(f"KinderTrack confirmation: {view.kindertrack_submission_id}")
    if view.refused:
        console.print(
            f"KinderTrack accepted {view.accepted} records and refused these children's "
            "(their care will not be paid unless corrected):"
        )
        for child, reason in view.refused:
            console.print(Text(f"  child {child}: {reason}"))
        console.print(CORRECTED_CLAIM_CONTACT)
    if view.error:
        console.print(Text(view.error))
