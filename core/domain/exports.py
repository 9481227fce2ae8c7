"""CSV copies a director keeps: the report's table and exactly what was sent.

Both the CLI (`report --csv`) and the Slack app (the file in the report's thread) write
these, so they live once, here. Cells that a spreadsheet would run as a formula are
neutralised (CSV injection): names come from imports and KinderTrack's roster.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping

from core.domain.report import SubsidyReport

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


def sent_records_csv(records: Iterable[Mapping[str, object]]) -> str:
    """Exactly what was sent to KinderTrack: child_id, check_in, check_out (ISO 8601); when
    days away were sent too, their ``date`` and ``absence`` kind in two more columns (a stay
    leaves them empty, a day away its times)."""
    rows = list(records)
    away = any("absence" in record for record in rows)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["child_id", "check_in", "check_out"] + (["date", "absence"] if away else []))
    for record in rows:
        cells = [
            csv_safe(str(record.get("child_id", ""))),
            str(record.get("check_in", "")),
            str(record.get("check_out", "")),
        ]
        if away:
            cells += [str(record.get("date", "")), str(record.get("absence", ""))]
        writer.writerow(cells)
    return out.getvalue()
