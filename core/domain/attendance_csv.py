"""An attendance CSV read into rows: decoding, the header, each row's fields.

Pure: the caller says which students the school has (by name key) and whether unknown
ones may be added; every bad row is collected as (line, why), so a file is refused whole
with each reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.domain.absences import CENTER, AbsenceKind, parse_kind
from core.domain.control import describe, first_control_character
from core.domain.instants import parse_date, parse_instant
from core.domain.names import clean_name, name_key
from core.errors import InvalidInput, UnknownStudent
from core.i18n import N_, _

MAX_IMPORT_BYTES = 5_000_000
MAX_IMPORT_ROWS = 50_000
IMPORT_HEADER = ("student", "check_in", "check_out")
ABSENCE_HEADER = (*IMPORT_HEADER, "absence")
"""The optional fourth column: a row with an ``absence`` kind and no times records a day
away, its ``check_in`` column holding the date ('*' as the student: the whole center)."""


@dataclass(frozen=True)
class AttendanceRow:
    line: int
    student_name: str
    check_in: datetime
    check_out: datetime | None


@dataclass(frozen=True)
class AwayRow:
    line: int
    student_name: str | None
    """None: the whole center."""
    day: date
    kind: AbsenceKind


def decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    if len(content) > MAX_IMPORT_BYTES:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is larger than {megabytes} MB.",
                megabytes=MAX_IMPORT_BYTES // 1_000_000,
            )
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is not UTF-8 text. Save it from your "
                "spreadsheet as 'CSV UTF-8'."
            )
        ) from error


def _away_row(line: int, fields: list[str]) -> AwayRow:
    """A row of the ``absence`` column: no times, the date in ``check_in``."""
    whole_center = fields[0].strip() == CENTER
    kind = parse_kind(fields[3], whole_center=whole_center)
    if fields[2].strip():
        raise InvalidInput(_("a row with an absence has no check_out"))
    day = parse_date(fields[1], what=N_("date (check_in column of an absence row)"))
    name = None if whole_center else clean_name(fields[0], what=N_("student name"))
    return AwayRow(line, name, day, kind)


def parse_rows(
    text: str, tz: ZoneInfo, known_keys: Collection[str], *, add_students: bool
) -> tuple[list[AttendanceRow], list[AwayRow], list[tuple[int, str]], bool]:
    """The rows, the days away, each bad row as (line, why), and whether a row names a
    student Rollcall lacks (the interface says how to add them)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("Nothing was imported: the file is empty.")) from None
    except csv.Error as error:
        raise InvalidInput(
            _("Nothing was imported: the file is not valid CSV ({error}).", error=error)
        ) from error
    if any(first_control_character(h) for h in header):
        raise InvalidInput(_("Nothing was imported: the header line contains a control character."))
    columns = tuple(h.strip().lower() for h in header)
    if columns not in (IMPORT_HEADER, ABSENCE_HEADER):
        raise InvalidInput(
            _(
                "Nothing was imported: the first line must be the header "
                "'student,check_in,check_out' (found {found}).",
                found=repr(",".join(header)[:80]),
            )
        )
    rows: list[AttendanceRow] = []
    away: list[AwayRow] = []
    problems: list[tuple[int, str]] = []
    unknown = False
    try:
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(rows) + len(away) + len(problems) >= MAX_IMPORT_ROWS:
                raise InvalidInput(
                    _("Nothing was imported: more than {count} rows.", count=MAX_IMPORT_ROWS)
                )
            bad = next(
                (
                    (column, ch)
                    for column, field in zip(columns, fields, strict=False)
                    if (ch := first_control_character(field)) is not None
                ),
                None,
            )
            if bad is not None:
                problems.append(
                    (line, f"the {bad[0]} field contains a control character, {describe(bad[1])}")
                )
                continue
            if len(fields) != len(columns):
                problems.append(
                    (line, _("expected 3 columns, found {count}", count=len(fields)))
                    if len(columns) == 3
                    else (
                        line,
                        _(
                            "expected {columns} columns, found {count}",
                            columns=len(columns),
                            count=len(fields),
                        ),
                    )
                )
                continue
            try:
                if len(fields) == 4 and fields[3].strip():
                    entry = _away_row(line, fields)
                    known = entry.student_name is None or name_key(entry.student_name) in known_keys
                    if not known and not add_students:
                        raise UnknownStudent(entry.student_name or "")
                    away.append(entry)
                    continue
                name = clean_name(fields[0], what=N_("student name"))
                if name_key(name) not in known_keys and not add_students:
                    raise UnknownStudent(name)
                start = parse_instant(fields[1], tz, what=N_("check_in"))
                end = (
                    parse_instant(fields[2], tz, what=N_("check_out"))
                    if fields[2].strip()
                    else None
                )
            except InvalidInput as error:
                problems.append((line, str(error)))
                unknown = unknown or isinstance(error, UnknownStudent)
                continue
            rows.append(AttendanceRow(line, name, start, end))
    except csv.Error as error:
        raise InvalidInput(
            _(
                "Nothing was imported: the file is not valid CSV near line {line} ({error}).",
                line=reader.line_num,
                error=error,
            )
        ) from error
    if not rows and not away and not problems:
        raise InvalidInput(_("Nothing was imported: the file has a header but no rows."))
    return rows, away, problems, unknown
