"""CSV copies a director keeps: the report's table and exactly what was sent.

Both the CLI (`report --csv`) and the Slack app (the file in the report's thread) write
these, so they live once, here. Cells that a spreadsheet would run as a formula are
neutralised (CSV injection): names come from imports and KinderTrack's roster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from core.domain.absences import AbsenceKind
from core.domain.report import SubsidyReport
from core.domain.submission import sendable_of
from core.i18n import _, format_numeric_date, format_time
from core.ports import SubmittedAbsence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def report_csv(report: SubsidyReport, *, absences: bool = False) -> str:
    """The report's table, one row per child. ``absences`` adds each child's days absent in
    the range and in the month so far (``absences``, ``allowance_used``): the copy Slack
    threads under a report; ``report --csv`` keeps its documented columns."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["student", "child_id", "status", "days", "hours", "units", "errors"]
    writer.writerow(header + (["absences", "allowance_used"] if absences else []))
    for row in report.rows:
        cells: list[object] = [
            csv_safe(row.student),
            row.child_id or "",
            row.status.label,
            row.days,
            f"{row.hours:.2f}",
            row.units,
            " ".join(row.errors),
        ]
        if absences:
            cells += [row.absences, f"{row.allowance_used}/{report.absence_allowance}"]
        writer.writerow(cells)
    return out.getvalue()


def sent_records_csv(records: Iterable[Mapping[str, str]], tz: ZoneInfo) -> str:
    """What was sent to KinderTrack, for a person: one row per stay or day away, its date
    and times on the school's wall clock (``tz``) as the reader's language writes them.
    The exact instants sent stay in the submission (``rollcall status``, the audit)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Child ID"), _("Date"), _("Check-in"), _("Check-out"), _("Away")])
    for record in records:
        sent = sendable_of(dict(record))
        if isinstance(sent, SubmittedAbsence):
            writer.writerow(
                [
                    csv_safe(sent.child_id),
                    format_numeric_date(sent.day),
                    "",
                    "",
                    _away(sent.absence),
                ]
            )
            continue
        writer.writerow(
            [
                csv_safe(sent.child_id),
                format_numeric_date(sent.check_in.astimezone(tz)),
                format_time(sent.check_in, tz),
                format_time(sent.check_out, tz),
                "",
            ]
        )
    return out.getvalue()


def _away(kind: str) -> str:
    try:
        return _(AbsenceKind(kind).label)
    except ValueError:
        return csv_safe(kind)
