"""CSV copies a director keeps: the report's table and exactly what was sent.

The CLI's ``report --csv`` keeps codes for scripts; the Slack app's copies (the files in
the report's thread) are for people, in their language. Cells that a spreadsheet would
run as a formula are neutralised (CSV injection): names come from imports and
KinderTrack's roster.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from zoneinfo import ZoneInfo

from core.domain.absences import AbsenceKind
from core.domain.report import SubsidyReport
from core.domain.report_words import error_words, state_words
from core.domain.submission import sendable_of
from core.i18n import (
    _,
    format_date,
    format_decimal,
    format_numeric_date,
    format_short_date,
    format_time,
)
from core.ports import SubmittedAbsence

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Keep spreadsheets from running a cell as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def report_csv(report: SubsidyReport) -> str:
    """The report's table, one row per child, with its documented columns and codes:
    what ``report --csv`` writes (docs/CLI.md)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student", "child_id", "status", "days", "hours", "units", "errors"])
    for row in report.rows:
        writer.writerow(
            [
                csv_safe(row.student),
                row.child_id or "",
                row.status.label,
                row.days,
                f"{row.hours:.2f}",
                row.units,
                " ".join(row.errors),
            ]
        )
    return out.getvalue()


def report_csv_for_people(report: SubsidyReport) -> str:
    """The report's table as Slack threads it under the report: one row per child, headers,
    states and problems in the reader's language, in the words of the report's blocks;
    ``report --csv`` (:func:`report_csv`) keeps its documented codes for scripts."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Child"),
            _("Child ID"),
            _("State"),
            _("KinderTrack status"),
            _("Days"),
            _("Hours"),
            _("Units"),
            _("Problems"),
            _("Days absent"),
            _("Absences this month"),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                csv_safe(row.student),
                row.child_id or "",
                state_words(row),
                row.status.label,
                row.days,
                format_decimal(row.hours),
                row.units,
                error_words(row),
                row.absences,
                f"{row.allowance_used}/{report.absence_allowance}",
            ]
        )
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


def report_file_name(start: date, end: date) -> str:
    """The name of the report's CSV in Slack, in the reader's language:
    ``kindertrack-report-nov-8-to-nov-21-2026.csv`` /
    ``kindertrack-reporte-del-8-nov-al-21-nov-2026.csv``."""
    return _file_name(_("kindertrack report {start} to {end}", **_span(start, end)))


def sent_file_name(start: date, end: date) -> str:
    """The name of the CSV of what was sent, in the reader's language:
    ``kindertrack-sent-nov-8-to-nov-21-2026.csv`` /
    ``kindertrack-enviado-del-8-nov-al-21-nov-2026.csv``."""
    return _file_name(_("kindertrack sent {start} to {end}", **_span(start, end)))


def _span(start: date, end: date) -> dict[str, str]:
    """The period's two dates as people write them; the year once when both share it."""
    first = format_short_date(start) if start.year == end.year else format_date(start)
    return {"start": first, "end": format_date(end)}


def _file_name(words: str) -> str:
    """``words`` as a file name any system keeps: accents dropped, lower case, every run of
    anything but a letter or a digit one hyphen; ``.csv``."""
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") + ".csv"
