"""The same-day nudge message within Slack's limits, names escaped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.blocks.day_check import MAX_LINES_PER_GROUP, day_check_message
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from core.domain.day_check import NOT_RECORDED, DayCheck, Problem
from core.i18n import using_locale


def test_hundreds_of_problems_stay_within_slacks_limits() -> None:
    long_name = "<!here> " + "Ñ" * 110
    problems = tuple(
        Problem(i, long_name, code, "x" * 400, i)
        for i in range(300)
        for code in ("still_checked_in", "overlap", "missing_check_out", "future", NOT_RECORDED)
    )

    message = day_check_message("*Sunny* & <Days>", DayCheck(date(2026, 11, 25), problems))

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    shown = json.dumps(message, ensure_ascii=False)
    assert len(shown) < 12_000  # Slack's advice for a whole message
    assert "<!here>" not in shown and "<Days>" not in shown
    assert shown.count(f"…and {300 - MAX_LINES_PER_GROUP} more") == 5
    assert "1500 things to fix" in shown


def test_one_problem_reads_as_one() -> None:
    check = DayCheck(
        date(2026, 11, 25),
        (Problem(1, "Ava Smith", "still_checked_in", "Checked in at 08:00.", 4),),
    )

    message = day_check_message("Sunny Days", check)

    assert message["text"] == "Sunny Days: 1 attendance problem today"
    assert "Wed, Nov 25:* 1 thing to fix" in json.dumps(message)


def test_a_spanish_reader_gets_the_headings_in_spanish() -> None:
    check = DayCheck(
        date(2026, 11, 25),
        (Problem(1, "Ava Smith", "still_checked_in", "Checked in at 08:00.", 4),),
    )

    with using_locale("es"):
        message = day_check_message("Sunny Days", check)

    shown = json.dumps(message, ensure_ascii=False)
    assert "mié, 25 de nov:* 1 cosa por corregir" in shown
    assert "Todavía con entrada registrada" in shown
    assert message["text"] == "Sunny Days: 1 problema de asistencia hoy"


def test_stays_read_on_the_schools_clock_one_line_per_child() -> None:
    # An overlap on the check's day is one line for the pair, in Chicago's wall-clock
    # times; a missing check-out from an earlier day names that day
    chicago = ZoneInfo("America/Chicago")
    seven_thirty = int(datetime(2026, 11, 25, 13, 30, tzinfo=UTC).timestamp())
    noon = int(datetime(2026, 11, 25, 18, 0, tzinfo=UTC).timestamp())
    monday = int(datetime(2026, 11, 23, 14, 0, tzinfo=UTC).timestamp())
    check = DayCheck(
        date(2026, 11, 25),
        (
            Problem(1, "Ava Smith", "overlap", "machine words", 4, seven_thirty, noon),
            Problem(1, "Ava Smith", "overlap", "machine words", 5, seven_thirty, noon),
            Problem(2, "Ben Jones", "missing_check_out", "machine words", 6, monday, None),
        ),
        chicago,
    )

    shown = json.dumps(day_check_message("Sunny Days", check), ensure_ascii=False)
    with using_locale("es"):
        spanish = json.dumps(day_check_message("Sunny Days", check), ensure_ascii=False)

    assert "*Ava Smith*: 7:30 AM–12:00 PM and 7:30 AM–12:00 PM overlap" in shown
    assert "*Ben Jones*: Mon, Nov 23: checked in 8:00 AM, never checked out" in shown
    assert "machine words" not in shown
    assert "lun, 23 de nov" in spanish and "8:00 a.m." in spanish
