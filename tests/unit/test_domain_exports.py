"""The CSV copies a director keeps: the report's table (with absences in Slack's copy) and
exactly what was sent, days away included."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.domain.absences import AbsenceKind
from core.domain.attendance import Record
from core.domain.exports import report_csv, sent_records_csv
from core.domain.report import ProviderStatus, Student, build_report

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 11, 8), date(2026, 11, 21)


def _tables() -> tuple[str, str]:
    """The report's CSV as ``report --csv`` writes it, and as Slack threads it."""
    report = build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=START,
        end=END,
        pay_period_match=True,
        already_submitted=False,
        students=[Student(1, "=Ava Smith", "123456")],
        records=[
            Record.at(
                1,
                1,
                datetime(2026, 11, 9, 14, tzinfo=UTC),
                datetime(2026, 11, 9, 22, tzinfo=UTC),
            )
        ],
        now=datetime(2026, 11, 25, 18, tzinfo=UTC),
        tz=TZ,
        absences={
            1: {date(2026, 11, 10): AbsenceKind.ABSENT, date(2026, 11, 2): AbsenceKind.ABSENT}
        },
    )
    return report_csv(report), report_csv(report, absences=True)


def test_the_report_table_keeps_its_columns_and_slacks_copy_adds_the_absences() -> None:
    plain, for_people = _tables()

    assert plain.splitlines() == [
        "student,child_id,status,days,hours,units,errors",
        "'=Ava Smith,123456,Approved,1,8.00,2,",
    ]
    assert for_people.splitlines() == [
        "student,child_id,status,days,hours,units,errors,absences,allowance_used",
        "'=Ava Smith,123456,Approved,1,8.00,2,,1,2/4",
    ]


def test_the_sent_copy_shows_stays_and_days_away_on_the_school_clock() -> None:
    stay = {
        "child_id": "123456",
        "check_in": "2026-11-09T14:00:00Z",
        "check_out": "2026-11-09T22:00:00Z",
    }
    away = {"child_id": "123456", "date": "2026-11-10", "absence": "absent"}

    # A day away reads as one (its date and kind), never as a stay with no times
    assert sent_records_csv([stay, away], TZ).splitlines() == [
        "Child ID,Date,Check-in,Check-out,Away",
        "123456,11/9/2026,8:00 AM,4:00 PM,",
        "123456,11/10/2026,,,absent",
    ]
