"""The core's refusals name no interface; Slack and the command line each add their own way out."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.refusals import refusal_text
from cli.errors import refusal_line
from core.domain.pay_periods import UnknownPeriod
from core.errors import (
    AbsenceNotRecorded,
    BackwardRange,
    EditsRefused,
    ImportRefused,
    NotADirector,
    OlderStayOpen,
    PeriodLocked,
    SchoolNotFound,
    StudentNotFound,
    UnknownStudent,
    UnplaceableTime,
)
from core.i18n import format_date, using_locale

OLDER = OlderStayOpen(name="Ava", day=date(2026, 11, 25), older=date(2026, 11, 20), record_id=7)


def test_core_texts_name_no_interface() -> None:
    for refusal in (NotADirector(1), SchoolNotFound("Nowhere"), StudentNotFound("Zoe"), OLDER):
        assert "rollcall" not in str(refusal) and "/kindertrack" not in str(refusal)
        assert "Review" not in str(refusal)


def test_slack_adds_its_own_hints() -> None:
    assert refusal_text(NotADirector(1)) == (
        "Only the school's directors can do that. "
        "A director can add you with /kindertrack directors add @you."
    )
    assert refusal_text(OLDER).endswith(
        "from Fri, Nov 20, was never checked out. Fix it in the report's Review."
    )
    assert refusal_text(SchoolNotFound("Nowhere")) == "No school named 'Nowhere'."


def test_the_command_line_adds_its_own_hints() -> None:
    assert refusal_line(SchoolNotFound("Nowhere")) == (
        "No school named 'Nowhere'. Add it with `rollcall school add`."
    )
    assert refusal_line(StudentNotFound("Zoe")) == (
        "No student named 'Zoe' in this school. Add them first (rollcall student add)."
    )
    assert refusal_line(OLDER).endswith("Fix it with `rollcall attendance edit`.")
    assert refusal_line(NotADirector(1)) == "Only the school's directors can do that."
    unknown = ImportRefused([(2, str(UnknownStudent("Zoe")))], unknown_students=True)
    assert refusal_line(unknown).endswith("or import with --add-students.")
    assert "--add-students" not in refusal_line(ImportRefused([(2, "expected 3 columns")]))


LOCKED = PeriodLocked(date(2026, 11, 8), date(2026, 11, 21))
CHICAGO = ZoneInfo("America/Chicago")
#: Each refusal with a date that reaches Slack, and its command-line text (docs/CLI.md).
DATED = {
    AbsenceNotRecorded("Ava", date(2026, 11, 19)): "No absence of Ava is recorded on 2026-11-19.",
    AbsenceNotRecorded(None, date(2026, 11, 20)): "No closure is recorded on 2026-11-20.",
    UnknownPeriod(date(2026, 11, 19)): "KinderTrack lists no pay period containing 2026-11-19.",
    BackwardRange(date(2026, 11, 21), date(2026, 11, 8)): (
        "The range ends (2026-11-08) before it starts (2026-11-21)."
    ),
    UnplaceableTime(datetime(2026, 3, 8, 2, 30), CHICAGO, skipped=True): (
        "2026-03-08 02:30 does not exist (clocks spring forward) in America/Chicago; give the "
        "time with its UTC offset, like 2026-03-08T02:30-05:00."
    ),
    UnplaceableTime(datetime(2026, 11, 1, 1, 30), CHICAGO, skipped=False): (
        "2026-11-01 01:30 happens twice (clocks fall back) in America/Chicago; give the time "
        "with its UTC offset, like 2026-11-01T01:30-05:00."
    ),
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.mark.parametrize("locale", ["en", "es"])
def test_slack_words_dated_refusals_without_iso_dates_or_utc(locale: str) -> None:
    with using_locale(locale):
        for refusal, command_line in DATED.items():
            said = refusal_text(refusal)
            assert not ISO_DATE.search(said) and "UTC" not in said, said
            assert str(refusal) == command_line
            assert refusal_line(refusal).startswith(command_line)


def test_slack_says_which_local_time_the_clocks_skip_or_repeat_and_what_to_pick() -> None:
    skipped = UnplaceableTime(datetime(2026, 3, 8, 2, 30), CHICAGO, skipped=True)
    repeated = UnplaceableTime(datetime(2026, 11, 1, 1, 30), CHICAGO, skipped=False)

    assert refusal_text(skipped) == (
        "2:30 AM on Mar 8, 2026 does not exist in Central Time: the clocks jump forward an "
        "hour that night. Pick the time the clock showed then, like 3:30 AM."
    )
    assert refusal_text(repeated).startswith(
        "1:30 AM on Nov 1, 2026 happens twice in Central Time: the clocks go back an hour"
    )
    with using_locale("es"):
        assert "2:30 a.m." in refusal_text(skipped) and "8 mar 2026" in refusal_text(skipped)


@pytest.mark.parametrize("locale", ["en", "es"])
def test_rows_and_fields_refused_in_a_submitted_period_are_worded_for_slack(
    locale: str,
) -> None:
    imported = ImportRefused([(3, LOCKED), (2, "expected 3 columns")])
    edits = EditsRefused({(7, "in"): LOCKED, (7, "out"): "The check-out must be after."})

    # The command line keeps the ISO dates it documents
    assert "2026-11-08" in imported.problems[1][1] and "2026-11-08" in edits.errors[(7, "in")]
    with using_locale(locale):
        rows = imported.worded_problems(format_date)
        fields = edits.worded_errors(format_date)
        wanted = format_date(date(2026, 11, 8))
    assert [line for line, _ in rows] == [2, 3] and rows[0][1] == "expected 3 columns"
    assert wanted in rows[1][1] and not ISO_DATE.search(rows[1][1])
    assert wanted in fields[(7, "in")] and not ISO_DATE.search(fields[(7, "in")])
