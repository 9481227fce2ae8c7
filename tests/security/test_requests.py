"""Issue 9, cases 5 and 6: the door of /slack/events.

5. A byte-identical replay of a signed "In" click within Slack's 5-minute window recorded
   a second stay. 6. Unsigned malformed bodies and malformed timestamps got a 500 with a
   traceback instead of 401, and a refused request's body was written to the log.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from core.services.runtime import Runtime
from core.services.students import add_student
from core.services.workspace import create_team_school
from core.store.tables import AttendanceRecord
from standins.slack_requests import FORM, block_actions_body, sign, slash_command_body
from tests.fixtures.slack import SIGNING_SECRET, BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP

TEAM = "T0001"
DIRECTOR = "U0DIRECTOR"
CHANNEL = "C0SCHOOL"


def _records(rt: Runtime) -> list[AttendanceRecord]:
    with rt.session() as session:
        return list(session.exec(select(AttendanceRecord)))


def test_case_5_a_replayed_signed_click_is_acted_on_once(
    server: BotServer, app_runtime: Runtime
) -> None:
    school = create_team_school(
        app_runtime, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    add_student(app_runtime, school_id=school.id or 0, name="Ava Smith", actor=DIRECTOR)
    server.slash("rollcall")
    [board] = server.standin.wait_for("chat.postMessage")
    [button] = [b["accessory"] for b in board.args["blocks"] if b.get("accessory")]
    signed = sign(
        block_actions_body(
            button["action_id"],
            value=button["value"],
            response_url=server.standin.new_response_url(),
        ),
        secret=SIGNING_SECRET,
        content_type=FORM,
    )

    with httpx.Client(timeout=10) as http:
        first = http.post(server.events_url, content=signed.body, headers=signed.headers)
        server.standin.wait_for("chat.update")
        replayed = http.post(server.events_url, content=signed.body, headers=signed.headers)

    assert first.status_code == replayed.status_code == 200
    assert replayed.content == b""
    assert len(_records(app_runtime)) == 1
    time.sleep(0.5)  # a replay that slipped through would update the board again
    assert len(server.standin.calls_for("chat.update")) == 1


def test_case_5_slacks_own_retry_is_still_acked_without_acting_twice(
    server: BotServer, app_runtime: Runtime
) -> None:
    create_team_school(
        app_runtime, team_id=TEAM, name="Sunny Days", creator=DIRECTOR, channel_id=CHANNEL
    )
    body = slash_command_body("rollcall", response_url=server.standin.new_response_url())

    first = server.sender.post(body, content_type=FORM)
    retried = server.sender.post(body, content_type=FORM, retry_num=1)

    assert first.status_code == retried.status_code == 200
    server.standin.wait_for("chat.postMessage")
    time.sleep(0.5)
    assert len(server.standin.calls_for("chat.postMessage")) == 1


NOW = str(int(time.time()))
MALFORMED = [
    pytest.param(b"payload={", {}, id="unsigned-truncated-json"),
    pytest.param(
        urlencode({"payload": "[" * 50_000 + "]" * 50_000}).encode(), {}, id="deep-nesting"
    ),
    pytest.param(
        b"payload={",
        {"x-slack-request-timestamp": "abc", "x-slack-signature": "v0=0"},
        id="timestamp-abc",
    ),
    pytest.param(
        b"payload={",
        {"x-slack-request-timestamp": "1e9", "x-slack-signature": "v0=0"},
        id="timestamp-1e9",
    ),
    pytest.param(
        b"payload={",
        {"x-slack-request-timestamp": NOW, "x-slack-signature": "v0=" + "0" * 64},
        id="bad-signature",
    ),
    pytest.param(
        b"command=/kindertrack&text=in+Ava+Secretname",
        {"x-slack-request-timestamp": NOW, "x-slack-signature": "v0=" + "a" * 64},
        id="a-childs-name-badly-signed",
    ),
]


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every log record, from before the app exists (Bolt copies the root level when it
    builds its logger, as a bot started at INFO does)."""
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize(("body", "headers"), MALFORMED)
def test_case_6_anything_unsigned_or_malformed_is_401_and_its_body_never_logged(
    logs: pytest.LogCaptureFixture,
    server: BotServer,
    body: bytes,
    headers: dict[str, str],
) -> None:
    with httpx.Client(timeout=10) as http:
        response = http.post(
            server.events_url,
            content=body,
            headers={"content-type": FORM, **headers},
        )

    assert response.status_code == 401
    assert [r for r in logs.records if r.levelno >= logging.ERROR] == []
    logged = " ".join(r.getMessage() for r in logs.records)
    assert "Secretname" not in logged and "payload" not in logged
