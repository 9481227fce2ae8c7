"""`rollcall demo --cli`: the director's journey through the command line runs end to end,
again and again (the default `rollcall demo` goes through Slack: test_slack_demo.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from cli.demo import DemoCli, DemoFailed, demo_environment, director_journey, run_demo
from core.messages import ALREADY_SUBMITTED, INACTIVE_PROVIDER
from tests.e2e.helpers import ROLLCALL, last_closed_period

pytestmark = pytest.mark.slow  # runs the real `rollcall` console script in subprocesses


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TMPDIR": str(tmp_path),
        "PYTHONIOENCODING": "utf-8",
        **extra,
    }


def test_rollcall_demo_cli_runs_the_whole_journey(tmp_path: Path) -> None:
    done = subprocess.run(
        [ROLLCALL, "demo", "--cli"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    out = done.stdout
    period = last_closed_period()
    assert f"submits the pay period {period.start} to {period.end} to KinderTrack" in out
    lines = out.splitlines()
    for expected in (
        "$ rollcall school add 'Sunny Days'",
        "$ rollcall school register 'Sunny Days' --provider-id 12354",
        INACTIVE_PROVIDER,
        "$ rollcall school register 'Sunny Days' --provider-id 12345 --link-code K7PM2QXA",
        "$ rollcall student sync 'Sunny Days'",
        "$ rollcall attendance import 'Sunny Days' attendance.csv",
        "Ready to submit.",
        f"$ rollcall status 'Sunny Days' --from {period.start} --to {period.end}",
    ):
        assert expected in lines, expected
    assert "3 attendance error(s): data with errors cannot be sent." in out
    assert out.count(f"{ALREADY_SUBMITTED} Corrected claims cannot be made") == 1
    assert "can no longer be edited" in out
    assert out.count("(refused: exit status 1)") == 4
    assert "has not authorized Rollcall" in out
    assert lines[-1].startswith("Demo complete: 17 steps in ")
    assert list(tmp_path.glob("rollcall-demo-*")) == []  # its temporary home is removed
    assert not (tmp_path / ".rollcall").exists()  # and the director's own home is untouched


def test_the_demo_runs_again_in_the_same_process() -> None:
    from cli.context import runtime

    first: list[str] = []
    second: list[str] = []

    one = run_demo(first.append)
    two = run_demo(second.append)

    assert one.steps == two.steps == 17
    assert one.confirmation != two.confirmation  # each run has its own sandbox
    assert first[-1].startswith("Demo complete") and second[-1].startswith("Demo complete")
    assert runtime.cache_info().currsize == 0  # nothing of the demo is left cached


def test_a_step_that_misbehaves_stops_the_demo_with_a_clear_message() -> None:
    printed: list[str] = []
    with demo_environment() as environment:
        cli = DemoCli(environment, printed.append)
        cli.check("school", "add", "Sunny Days")  # the school exists before the journey

        with pytest.raises(DemoFailed) as failed:
            director_journey(cli, period=last_closed_period(), timezone=environment.timezone)

    assert str(failed.value) == (
        "step 1 (`rollcall school add 'Sunny Days'`) failed with exit status 1: "
        "A school named Sunny Days already exists."
    )


def test_rollcall_demo_cli_exits_non_zero_when_it_cannot_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [ROLLCALL, "demo", "--cli"],
        env=_env(tmp_path, ROLLCALL_PAY_PERIOD_DAYS="2"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "The demo failed: The demo needs pay periods of at least 3 days."
    )
