"""Reading an attendance CSV without a database: every bad row is named with its line, a
name the school lacks is flagged, and a day away is a row of its own."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.domain.absences import AbsenceKind
from core.domain.attendance_csv import AwayRow, decode, parse_rows
from core.errors import InvalidInput

TZ = ZoneInfo("America/Chicago")
KNOWN = {"ava smith"}


def test_good_rows_are_read_as_instants_and_bad_ones_are_named_by_line() -> None:
    text = (
        "student,check_in,check_out\n"
        "Ava Smith,2026-11-09T07:30,2026-11-09T12:00\n"
        "Ava Smith,not a time,\n"
        "Ava Smith,2026-11-10T07:30\n"
        "Ben Ortiz,2026-11-10T07:30,\n"
    )

    rows, away, problems, unknown = parse_rows(text, TZ, KNOWN, add_students=False)

    assert [(r.line, r.student_name, r.check_in, r.check_out) for r in rows] == [
        (
            2,
            "Ava Smith",
            datetime(2026, 11, 9, 13, 30, tzinfo=UTC),
            datetime(2026, 11, 9, 18, 0, tzinfo=UTC),
        )
    ]
    assert away == []
    assert [line for line, _ in problems] == [3, 4, 5]
    assert problems[1][1] == "expected 3 columns, found 2"
    assert unknown


def test_a_name_the_school_lacks_is_read_when_students_may_be_added() -> None:
    text = "student,check_in,check_out\nBen Ortiz,2026-11-10T07:30,\n"

    rows, _, problems, unknown = parse_rows(text, TZ, KNOWN, add_students=True)

    assert [(r.student_name, r.check_out) for r in rows] == [("Ben Ortiz", None)]
    assert (problems, unknown) == ([], False)


def test_the_absence_column_reads_a_day_away_and_a_closure() -> None:
    text = (
        "student,check_in,check_out,absence\nAva Smith,2026-11-11,,absent\n*,2026-11-26,,holiday\n"
    )

    rows, away, problems, _ = parse_rows(text, TZ, KNOWN, add_students=False)

    assert rows == [] and problems == []
    assert away == [
        AwayRow(2, "Ava Smith", date(2026, 11, 11), AbsenceKind.ABSENT),
        AwayRow(3, None, date(2026, 11, 26), AbsenceKind.HOLIDAY),
    ]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "the file is empty"),
        (b"\xff\xfe", "not UTF-8"),
        (b"name,in,out\n", "the first line must be the header"),
        (b"student,check_in,check_out\n", "a header but no rows"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_whole(content: bytes, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        parse_rows(decode(content), TZ, KNOWN, add_students=False)
