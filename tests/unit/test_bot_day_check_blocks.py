"""The same-day nudge message within Slack's limits, names escaped."""

from __future__ import annotations

import json
from datetime import date

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
