"""Issue 9, case 10: the Subsidy Report (children's names with their subsidy status) was
posted in whatever channel the command was typed in, public ones included. Now it goes
only to a private channel or a DM; staff see the roll-call board, not subsidy status."""

from __future__ import annotations

from collections.abc import Callable

import dramatiq
import pytest
from slack_sdk import WebClient

from bot.conversations import is_private_conversation
from core.services import imports, schools, students
from core.services.runtime import Runtime
from core.services.workspace import create_team_school
from standins.slack_web_api import SlackStandin
from tests.fixtures.slack import BOT_TOKEN, BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM, DIRECTOR, STAFF = "T0001", "U0DIRECTOR", "U0STAFF"
PUBLIC = "C0GENERAL"
CHILD = "Zelda Quist"
CSV = f"student,check_in,check_out\n{CHILD},2026-11-09T08:00,2026-11-09T16:30\n"


def _school(rt: Runtime) -> int:
    sid = (
        create_team_school(
            rt, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=PUBLIC
        ).id
        or 0
    )
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor=DIRECTOR)
    students.add_student(rt, school_id=sid, name=CHILD, child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def test_case_10_a_report_asked_for_in_a_public_channel_goes_to_the_director_privately(
    bot_server_factory: Callable[..., BotServer],
    slack_runtime: Runtime,
    worker: dramatiq.Worker,
) -> None:
    _school(slack_runtime)
    server = bot_server_factory()
    server.standin.public_channels.add(PUBLIC)

    answer = server.slash("report", channel_id=PUBLIC, user_id=DIRECTOR)

    assert answer.status_code == 200
    filled = server.standin.wait_for("chat.update", timeout=15)[-1]
    server.standin.wait_for("files.completeUploadExternal", timeout=10)
    assert filled.args["channel"].startswith("D")  # the director's DM
    assert CHILD in str(filled.args["blocks"])
    in_public = [
        c
        for c in server.standin.calls
        if c.args.get("channel") == PUBLIC or PUBLIC in str(c.args.get("channel_id", ""))
    ]
    assert [c.method for c in in_public] == ["conversations.info", "chat.postMessage"]
    assert "went to <@U0DIRECTOR> by direct message" in in_public[1].args["text"]
    assert CHILD not in str([c.args for c in in_public])


def test_case_10_staff_get_no_report(
    server: BotServer, app_runtime: Runtime, slack_standin: SlackStandin
) -> None:
    _school(app_runtime)

    answer = server.slash("report", channel_id=PUBLIC, user_id=STAFF)

    assert "only the school's directors see it" in answer.json()["text"]
    assert slack_standin.calls_for("chat.postMessage") == []


def test_the_stand_in_tells_private_from_public(slack_standin: SlackStandin) -> None:
    client = WebClient(token=BOT_TOKEN, base_url=slack_standin.api_url)
    slack_standin.public_channels.add(PUBLIC)

    assert is_private_conversation(client, "C0SCHOOL") is True
    assert is_private_conversation(client, "D0DM") is True
    assert is_private_conversation(client, PUBLIC) is False
    assert is_private_conversation(client, None) is False
