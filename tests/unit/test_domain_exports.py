"""The CSV copies a director keeps: the report's table (codes for ``report --csv``, words in
the reader's language for Slack's copy, with absences) and exactly what was sent, days away
included."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.domain.absences import AbsenceKind
from core.domain.attendance import Record
from core.domain.exports import (
    report_csv,
    report_csv_for_people,
    report_file_name,
    sent_file_name,
    sent_records_csv,
)
from core.domain.report import ProviderStatus, Student, SubsidyReport, build_report
from core.i18n import using_locale

TZ = ZoneInfo("America/Chicago")
START, END = date(2026, 11, 8), date(2026, 11, 21)


def _report() -> SubsidyReport:
    return build_report(
        school="Sunny Days",
        provider_id="12345",
        provider_status=ProviderStatus.REGISTERED,
        start=START,
        end=END,
        pay_period_match=True,
        already_submitted=False,
        students=[Student(1, "=Ava Smith", "123456"), Student(2, "Ben Ode", "654321")],
        records=[
            Record.at(
                1,
                1,
                datetime(2026, 11, 9, 14, tzinfo=UTC),
                datetime(2026, 11, 9, 22, tzinfo=UTC),
            ),
            Record.at(2, 2, datetime(2026, 11, 10, 14, tzinfo=UTC), None),
        ],
        now=datetime(2026, 11, 25, 18, tzinfo=UTC),
        tz=TZ,
        absences={
            1: {date(2026, 11, 10): AbsenceKind.ABSENT, date(2026, 11, 2): AbsenceKind.ABSENT}
        },
    )


def test_the_report_table_keeps_its_columns_and_codes() -> None:
    assert report_csv(_report()).splitlines() == [
        "student,child_id,status,days,hours,units,errors",
        "'=Ava Smith,123456,Approved,1,8.00,2,",
        "Ben Ode,654321,Approved,1,0.00,0,missing_check_out",
    ]


def test_slacks_copy_is_worded_for_people_in_their_language_with_the_absences() -> None:
    report = _report()

    assert report_csv_for_people(report).splitlines() == [
        "Child,Child ID,State,KinderTrack status,Days,Hours,Units,Problems,Days absent,"
        "Absences this month",
        "'=Ava Smith,123456,ready to send,Approved,1,8.00,2,,1,2/4",
        "Ben Ode,654321,needs a fix,Approved,1,0.00,0,no check-out,0,0/4",
    ]
    with using_locale("es"):
        spanish = report_csv_for_people(report).splitlines()
    assert spanish[1:] == [
        "'=Ava Smith,123456,listo para enviar,Approved,1,8.00,2,,1,2/4",
        "Ben Ode,654321,necesita corrección,Approved,1,0.00,0,sin salida,0,0/4",
    ]
    assert "missing_check_out" not in "\n".join(spanish)


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


def test_slacks_copies_are_named_in_words_in_the_readers_language() -> None:
    year_end, new_year = date(2026, 12, 27), date(2027, 1, 9)

    assert report_file_name(START, END) == "kindertrack-report-nov-8-to-nov-21-2026.csv"
    assert sent_file_name(START, END) == "kindertrack-sent-nov-8-to-nov-21-2026.csv"
    assert report_file_name(year_end, new_year) == (
        "kindertrack-report-dec-27-2026-to-jan-9-2027.csv"
    )
    with using_locale("es"):
        assert report_file_name(START, END) == "kindertrack-reporte-del-8-nov-al-21-nov-2026.csv"
        assert sent_file_name(year_end, new_year) == (
            "kindertrack-enviado-del-27-dic-2026-al-9-ene-2027.csv"
        )


@pytest.mark.parametrize("locale", ["en", "es"])
def test_every_months_file_name_is_plain_ascii_without_iso_dates(locale: str) -> None:
    plain = re.compile(r"^kindertrack-[a-z0-9]+(-[a-z0-9]+)*\.csv$")
    with using_locale(locale):
        names = [
            name(date(2026, month, 1), date(2026, month, 1) + timedelta(days=44))
            for month in range(1, 13)
            for name in (report_file_name, sent_file_name)
        ]

    assert all(plain.match(n) and not re.search(r"\d{4}-\d{2}", n) for n in names), names
    assert len(set(names)) == len(names)
