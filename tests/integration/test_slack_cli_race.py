"""The operator's ``rollcall submit --yes`` and a director's Slack approval of the same
period: whichever comes first, KinderTrack gets one submission, and the director's Slack
message ends in the true final state, naming who really approved it.

The bot over signed HTTP with a real worker, the Slack stand-in, the KinderTrack sandbox
over HTTP, and the command line run in-process on the same database (``CliRunner``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine
from typer.testing import CliRunner

import bot.runtime
import cli.context
import workers.actors
import workers.runtime
from bot.blocks.report import APPROVE_ACTION
from bot.blocks.submission import UNDO_ACTION
from bot.blocks.values import PeriodRef
from bot.notifier import SlackNotifier
from cli.main import app
from core.config import get_settings
from core.domain.submission import SubmissionState
from core.messages import ALREADY_SUBMITTED
from core.services import imports, schools, students, submissions, workspace
from core.services.runtime import Runtime
from rollcall.bootstrap import engine_for
from standins.slack_web_api import SlackStandin
from tests.fakes import FrozenClock
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.fixtures.slack import BOT_TOKEN, BotServer, make_bot_settings

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, a real worker, the sandbox

START, END = date(2026, 11, 8), date(2026, 11, 21)
TEAM, CHANNEL, DIRECTOR = "T0001", "C0SCHOOL", "U0DIRECTOR"
CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"
)
SUBMIT = ["submit", "Sunny Days", "--from", str(START), "--to", str(END), "--yes"]


class Scene:
    def __init__(self, rt: Runtime, server: BotServer, slack: SlackStandin) -> None:
        self.rt, self.server, self.slack = rt, server, slack
        workspace_school = workspace.create_team_school(
            rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
        )
        self.sid = workspace_school.id or 0
        schools.register_provider(rt, school_id=self.sid, provider_id="12345", actor=DIRECTOR)
        students.add_student(rt, school_id=self.sid, name="Ava Smith", child_id="123456", actor="t")
        imports.import_csv(rt, school_id=self.sid, content=CSV, actor="t")

    def report(self) -> tuple[str, str]:
        """The report message of the period, as the director sees it (Approve & submit)."""
        updates = len(self.slack.calls_for("chat.update"))
        assert self.server.slash("report", channel_id=CHANNEL, user_id=DIRECTOR).status_code == 200
        filled = self.slack.wait_for("chat.update", count=updates + 1, timeout=10)[-1]
        where = filled.args["channel"], filled.args["ts"]
        assert APPROVE_ACTION in _buttons(self.slack.messages[where])
        return where

    def approve(self, where: tuple[str, str]) -> None:
        ref = PeriodRef(self.sid, START, END).encode()
        response = self.server.action(
            APPROVE_ACTION, value=ref, user_id=DIRECTOR, channel_id=where[0], message_ts=where[1]
        )
        assert response.status_code == 200

    def text(self, where: tuple[str, str]) -> str:
        return json.dumps(self.slack.messages[where], ensure_ascii=False)


@pytest.fixture
def scene(
    db: Engine,
    database_url: str,
    redis_url: str,
    clock: FrozenClock,
    slack_standin: SlackStandin,
    bot_server_factory: Callable[..., BotServer],
    redis_broker: RedisBroker,
    sandbox: SandboxHarness,
    tmp_path: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Scene]:
    rt = Runtime(engine=db, kindertrack=sandbox.client(), calendar=CALENDAR, clock=clock)
    rt.undo_window = timedelta(minutes=1)  # the director's approval waits; the operator's not
    rt.notifier = SlackNotifier.from_settings(make_bot_settings(slack_standin), runtime=lambda: rt)
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    worker = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    worker.start()
    # The command line's settings: the same database, KinderTrack and Slack app.
    for name, value in {
        "ROLLCALL_HOME": str(tmp_path),
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "ROLLCALL_KINDERTRACK_URL": sandbox.url,
        "ROLLCALL_KINDERTRACK_API_KEY": sandbox.api_key,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "ROLLCALL_SLACK_API_URL": slack_standin.api_url,
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    cli.context.runtime.cache_clear()
    try:
        yield Scene(rt, bot_server_factory(), slack_standin)
    finally:
        worker.stop()
        bot.runtime.use_runtime(None)
        workers.runtime.use_runtime(None)
        cli.context.runtime.cache_clear()
        get_settings.cache_clear()
        engine_for.cache_clear()


def test_the_operators_submit_inside_a_slack_approvals_undo_window_ends_its_message_sent(
    scene: Scene, sandbox: SandboxHarness
) -> None:
    # Given the director approved in Slack: "Submitting… approved by them", Undo offered
    where = scene.report()
    scene.approve(where)
    _eventually(lambda: UNDO_ACTION in _buttons(scene.slack.messages[where]))

    # When the operator runs `rollcall submit --yes` for the period within the window
    done = CliRunner().invoke(app, SUBMIT)

    # Then it is sent at once, and the director's message says so: no Undo left, the
    # confirmation, and the approval still theirs (they gave it; the operator sent it)
    assert done.exit_code == 0, done.output
    assert done.output.startswith("Submitted to KinderTrack: confirmation ")
    _eventually(lambda: "Submitted to KinderTrack" in scene.text(where))
    assert UNDO_ACTION not in _buttons(scene.slack.messages[where])
    assert f"Approved by <@{DIRECTOR}>" in scene.text(where)
    assert sandbox.stats()["commits"] == 1


def test_approving_a_preview_the_operator_already_sent_shows_the_operators_submission(
    scene: Scene, sandbox: SandboxHarness
) -> None:
    # Given the director's preview, and the operator's `rollcall submit --yes` done
    where = scene.report()
    done = CliRunner().invoke(app, SUBMIT)
    assert done.exit_code == 0, done.output
    answered = len(scene.slack.calls_for("response_url"))

    # When the director presses Approve & submit on that preview
    scene.approve(where)

    # Then only they hear it was already submitted, and the preview now shows what was
    # sent and who approved it (the command line, never them); nothing is sent again
    [refusal] = scene.slack.wait_for("response_url", count=answered + 1)[answered:]
    assert refusal.args["text"].startswith(ALREADY_SUBMITTED)
    _eventually(lambda: "Submitted to KinderTrack" in scene.text(where))
    shown = scene.text(where)
    assert "Approved by cli" in shown
    assert f"<@{DIRECTOR}>" not in shown
    assert APPROVE_ACTION not in _buttons(scene.slack.messages[where])
    assert sandbox.stats()["commits"] == 1


def test_both_at_once_send_once_and_the_message_ends_naming_who_approved(
    scene: Scene, sandbox: SandboxHarness
) -> None:
    # Given the director's preview
    where = scene.report()
    outputs: list[str] = []

    # When the director's click and the operator's command come at the same moment
    def operator() -> None:
        outputs.append(CliRunner().invoke(app, SUBMIT).output)

    racers = [
        threading.Thread(target=operator),
        threading.Thread(target=scene.approve, args=[where]),
    ]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    # Then KinderTrack holds one submission, and the message ends sent, naming the approver
    # the database names (the first to approve), never the other
    _eventually(lambda: "Submitted to KinderTrack" in scene.text(where))
    view = submissions.submission_status(scene.rt, school_id=scene.sid, start=START, end=END)
    assert view is not None and view.state is SubmissionState.SUBMITTED
    approver = f"<@{DIRECTOR}>" if view.approved_by == DIRECTOR else "cli"
    assert f"Approved by {approver}" in scene.text(where)
    if view.approved_by != DIRECTOR:
        assert f"<@{DIRECTOR}>" not in scene.text(where)
    assert UNDO_ACTION not in _buttons(scene.slack.messages[where])
    assert sandbox.stats()["commits"] == 1
    assert outputs and outputs[0].startswith("Submitted to KinderTrack: confirmation ")


def _buttons(message: dict[str, Any]) -> set[str]:
    return {
        element["action_id"]
        for block in message.get("blocks", [])
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    }


def _eventually(check: Callable[[], bool], *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)
