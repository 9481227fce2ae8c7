"""`rollcall demo`: the director's journey through the Slack app, as a real process.

The Bolt app on localhost, the Slack Web API stand-in, the KinderTrack sandbox, the
embedded Redis and a worker all start inside the one `rollcall demo` process, on a fresh
temporary home; the test only looks at what it printed, what it saved and what it left.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT, INACTIVE_PROVIDER
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


def _demo(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROLLCALL, "demo", *args],
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_rollcall_demo_runs_the_journey_through_the_slack_app(tmp_path: Path) -> None:
    done = _demo(tmp_path)

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    out, lines = done.stdout, done.stdout.splitlines()
    period = last_closed_period()
    assert f"submits the pay period {period.start} to {period.end} to KinderTrack" in out
    # the people act through Slack: slash commands, buttons, modals
    for expected in (
        "Dana › /kindertrack school Sunny Days",
        "Dana › /kindertrack register １２３４５",
        "Dana › /kindertrack register 54321 H4RT9WXY",
        "Dana › /kindertrack register 12345",
        "Dana › /kindertrack register 12345 ZZZZ2222",
        "Dana › /kindertrack register 12345 K7PM2QXA",
        "Dana › /kindertrack import",
        "Dana › presses [Import] in “Import attendance”",
        "Dana › /kindertrack sync",
        "Dana › /kindertrack report",
        "Dana › clicks [Link child ID]",
        "Sam › clicks [Review errors]",
        "Dana › presses [Save] in “Fix attendance”",
        "Sam › /kindertrack rollcall",
        "Lucía › /kindertrack in Jose Nunez",
        "Dana › /kindertrack status",
        "Dana › /kindertrack school Maple Grove",
        "Dana › /kindertrack register 24680 M4PLGRVE",
    ):
        assert expected in lines, expected
    assert out.count("Dana › clicks [Approve & submit]") == 2
    # and the app answers as a director needs
    assert "uses digits other than 0-9" in out
    assert "*Imported into Sunny Days:* 10 records added, 0 already there." in out
    assert f"*Not registered.* {INACTIVE_PROVIDER}" in out
    assert "KinderTrack did not accept that link code" in out
    assert "Registered · provider ID 12345" in out
    assert "3 children need a fix" in out and "[Review errors]" in out
    assert "Only the school's directors can do that" in out
    assert "*Submitting…* approved by @Dana" in out
    # a duplicate is deleted in Slack, and a running period cannot be approved by mistake
    assert "7:47 AM–5:00 PM: ticks Delete this stay" in out
    assert "Submit early would first ask: “Attendance for" in out and "can never be added" in out
    assert "*Submitted to KinderTrack* — confirmation" in out
    assert f"{ALREADY_SUBMITTED} {CORRECTED_CLAIM_CONTACT}" in out
    assert "Entrada de Jose Nunez a la" in out  # Lucía's Slack is in Spanish: "a la(s)"
    assert "\u200b" not in out and "&amp;" not in out and "<@U0DANA>" not in out
    # a center that bills monthly: its last closed period is a month, with a day absent
    assert "Registered · provider ID 24680" in out
    assert "(matches a pay period)" in out and "1 absent, 1/4 this month" in out
    assert "Days absent,Absences this month" in out
    assert lines[-1].startswith("Demo complete: 15 steps in ")

    # each message and modal's Block Kit JSON is saved, numbered in order
    saved = sorted((tmp_path / "demo-output").glob("*.json"))
    names = [p.name for p in saved]
    assert names[0] == "01-school-created.json"
    assert names[9:11] == ["10-import-modal.json", "11-import-result.json"]
    assert "17-link-modal.json" in names and names[-1].endswith("-monthly-report.json")

    def saved_as(suffix: str) -> Path:
        return next(p for p in saved if p.name.endswith(suffix))

    report = json.loads(saved_as("-report-clean.json").read_text("utf-8"))
    actions = [
        element["action_id"]
        for block in report["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert actions == ["report_approve", "report_refresh"]
    modal = json.loads(saved_as("-review-modal.json").read_text("utf-8"))
    assert modal["type"] == "modal" and modal["callback_id"] == "report_review"
    upload = json.loads(saved_as("-import-modal.json").read_text("utf-8"))
    [file_input] = [
        block["element"]
        for block in upload["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "file_input"
    ]
    assert file_input["filetypes"] == ["csv"] and file_input["max_files"] == 1

    # nothing is left behind: the temporary home (database, Redis files) is removed
    assert list(tmp_path.glob("rollcall-demo-*")) == []
    assert not (tmp_path / ".rollcall").exists()


def test_rollcall_demo_writes_its_json_where_asked(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "01-stale.json").write_text("{}", encoding="utf-8")

    done = _demo(tmp_path, "--output", "out")

    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "demo-output").exists()
    names = [p.name for p in sorted((tmp_path / "out").glob("*.json"))]
    assert "01-stale.json" not in names  # a previous run's files are replaced
    assert names[0] == "01-school-created.json"


def test_rollcall_demo_exits_non_zero_with_a_clear_message(tmp_path: Path) -> None:
    done = _demo(tmp_path, ROLLCALL_PAY_PERIOD_DAYS="2")

    assert done.returncode == 1
    assert done.stderr.strip() == (
        "The demo failed: The demo needs pay periods of at least 3 days."
    )
    assert list(tmp_path.glob("rollcall-demo-*")) == []


def test_a_step_that_misbehaves_stops_the_demo_and_everything_it_started(
    tmp_path: Path,
) -> None:
    import dramatiq.broker

    import bot.runtime
    import workers.runtime
    from cli.demo import slack_journey
    from cli.demo.slack_journey import CHANNEL, CHANNEL_NAME, DANA, SAM
    from cli.demo.slack_stack import TEAM_ID, slack_stack
    from core.services.workspace import create_team_school
    from standins.slack_driver import SlackDemo, StepFailed
    from workers.embedded_redis import is_embedded_redis_running

    broker_before = dramatiq.broker.global_broker
    printed: list[str] = []
    with slack_stack() as stack:
        home = stack.environment.home
        # Given the school already exists (so /kindertrack school only binds the channel)
        create_team_school(
            stack.runtime, team_id=TEAM_ID, name="Sunny Days", creator="U0DANA", channel_id="C0X"
        )
        demo = SlackDemo(
            stack.standin,
            stack.sender,
            printed.append,
            output_dir=tmp_path / "out",
            channel=CHANNEL,
            channel_name=CHANNEL_NAME,
            people=[DANA, SAM],
        )
        # When the journey runs
        with pytest.raises(StepFailed) as failed:
            slack_journey(demo, stack, period=last_closed_period())

    # Then it stops at step 1, saying what it expected and what the app said
    message = str(failed.value)
    assert message.startswith(
        "step 1 (Dana creates the school in the channel #sunny-days): 01-school-created.json "
        "(Only visible to Dana) should say 'Created *Sunny Days*'; it says:"
    )
    assert "This channel now works on *Sunny Days*." in message
    # And everything it started is stopped and forgotten
    assert not is_embedded_redis_running(home) and not home.exists()
    assert bot.runtime._runtime is None and workers.runtime._runtime is None
    assert dramatiq.broker.global_broker is broker_before or broker_before is None
