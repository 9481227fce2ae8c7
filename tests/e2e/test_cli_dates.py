"""Dates at the calendar's edges through the real console script: one line, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.helpers import make_cli
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # runs the real `rollcall` console script in subprocesses


def test_report_and_submit_at_the_calendars_edges_are_refused_in_one_line(
    request: pytest.FixtureRequest, tmp_path: Path, sandbox: SandboxHarness
) -> None:
    # Given a school
    cli = make_cli(request, tmp_path, kindertrack_url=sandbox.url, api_key=sandbox.api_key)
    cli.run("school", "add", "Sunny Days").ok()

    # When a director asks for periods at the very start and end of the calendar
    first, last, submit = cli.run_many(
        ("report", "Sunny Days", "--from", "0001-01-01", "--to", "0001-01-14"),
        ("report", "Sunny Days", "--from", "9999-12-18", "--to", "9999-12-31"),
        ("submit", "Sunny Days", "--from", "9999-12-18", "--to", "9999-12-31", "--yes"),
    )

    # Then each is refused in one line naming the date, with no traceback
    assert first.refused() == (
        "The --from date 0001-01-01 is outside the dates Rollcall works with "
        "(1900-01-01 to 2999-12-31)."
    )
    assert last.refused().startswith("The --from date 9999-12-18 is outside")
    assert submit.refused().startswith("The --from date 9999-12-18 is outside")
