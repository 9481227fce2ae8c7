"""The Bolt app over real HTTP, with requests signed as Slack signs them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.commands import dispatcher
from standins import slack_requests
from tests.fixtures.slack import BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers


def _ephemeral_text(response: Any) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("response_type", "ephemeral") == "ephemeral"
    return str(body["text"])


@pytest.mark.parametrize("text", ["help", "", "  HELP  "])
def test_help_lists_every_subcommand(bot_server: BotServer, text: str) -> None:
    answer = _ephemeral_text(bot_server.slash(text))

    for usage in (
        "register [PROVIDER_ID LINK_CODE]",
        "link [STUDENT CHILD_ID]",
        "sync",
        "in STUDENT",
        "out STUDENT",
        "report [FROM TO]",
        "status",
        "rollcall",
        "directors add|remove @user",
        "school [NAME]",
    ):
        assert f"/kindertrack {usage}`" in answer


def test_help_says_report_defaults_to_the_last_closed_pay_period(bot_server: BotServer) -> None:
    # When someone asks /kindertrack help
    answer = _ephemeral_text(bot_server.slash("help"))

    # Then the report line says what a report without dates covers (as the code and README do)
    [report_line] = [line for line in answer.splitlines() if "report [FROM TO]" in line]
    assert report_line.endswith("(default: the last closed pay period)")
    assert "current one" not in answer


def test_unknown_subcommand_is_answered_politely_with_help(bot_server: BotServer) -> None:
    answer = _ephemeral_text(bot_server.slash("<!channel> *dance*"))

    assert answer.startswith("Sorry, I don't know")
    assert "<!channel>" not in answer
    assert "&lt;!channel&gt;" in answer
    assert "/kindertrack register [PROVIDER_ID LINK_CODE]" in answer


def test_known_subcommand_without_handler_says_not_yet(
    bot_server: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalogue entry whose module has not registered a handler answers politely."""
    monkeypatch.setitem(
        dispatcher.SUBCOMMANDS,
        "sync",
        dispatcher.Subcommand("sync", "sync", "link students by name"),
    )

    assert "not available yet" in _ephemeral_text(bot_server.slash("sync"))


def test_added_subcommand_acks_then_responds_via_response_url(
    bot_server: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given a handler added to the table, when it is invoked, then ack comes first and
    the later answer reaches the command's response_url."""
    seen: dict[str, Any] = {}

    def handle_status(
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None:
        ack()
        seen["args"] = context["subcommand_args"]
        respond(text="All caught up", response_type="ephemeral")

    monkeypatch.setitem(dispatcher.SUBCOMMANDS, "status", dispatcher.SUBCOMMANDS["status"])
    dispatcher.add_subcommand("status", handle_status)

    response = bot_server.slash("status  Sunny  Days ")

    assert response.status_code == 200
    [call] = bot_server.standin.wait_for("response_url")
    assert call.args["text"] == "All caught up"
    assert seen["args"] == "Sunny  Days"


def test_forged_signature_is_refused_with_401(bot_server: BotServer) -> None:
    response = bot_server.sender.post(
        slack_requests.slash_command_body("help"),
        content_type=slack_requests.FORM,
        headers={"x-slack-signature": "v0=" + "0" * 64},
    )

    assert response.status_code == 401


def test_body_signed_with_another_secret_is_refused(bot_server: BotServer) -> None:
    signed = slack_requests.sign(
        slack_requests.slash_command_body("help"),
        secret="not-the-secret",
        content_type=slack_requests.FORM,
    )

    response = bot_server.http.post("/slack/events", content=signed.body, headers=signed.headers)

    assert response.status_code == 401


def test_stale_timestamp_is_refused_with_401(bot_server: BotServer) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60

    response = bot_server.sender.post(
        slack_requests.slash_command_body("help"),
        content_type=slack_requests.FORM,
        timestamp=six_minutes_ago,
    )

    assert response.status_code == 401


def test_retried_event_is_acked_but_not_acted_on_twice(
    bot_server_factory: Callable[..., BotServer],
) -> None:
    # Given listeners run one at a time, in the order their requests arrived
    with ThreadPoolExecutor(max_workers=1) as one_at_a_time:
        server = bot_server_factory(listener_executor=one_at_a_time)
        standin = server.standin
        event = slack_requests.app_home_opened_event("U0DIRECTOR")
        body = slack_requests.event_body(event, event_id="Ev0RETRY")

        # When Slack delivers an event, retries it, and then delivers another one
        first = server.sender.post(body, content_type=slack_requests.JSON)
        standin.wait_for("views.publish")
        retry = server.sender.post(body, content_type=slack_requests.JSON, retry_num=1)
        later = slack_requests.event_body(
            slack_requests.app_home_opened_event("U0LATER"), event_id="Ev0LATER"
        )
        server.sender.post(later, content_type=slack_requests.JSON)

        # Then once the later event was acted on (a retry wrongly dispatched would have
        # been queued before it), the retry is known not to have been
        published = standin.wait_for("views.publish", count=2)

    assert first.status_code == 200
    assert retry.status_code == 200
    assert [c.args["user_id"] for c in published] == ["U0DIRECTOR", "U0LATER"]


def test_home_tab_is_published_with_the_bot_token(bot_server: BotServer) -> None:
    bot_server.event(slack_requests.app_home_opened_event("U0DIRECTOR"))

    [call] = bot_server.standin.wait_for("views.publish")
    assert call.token == "xoxb-0001-test-token"
    assert call.args["user_id"] == "U0DIRECTOR"
    assert call.args["view"]["type"] == "home"


def test_url_verification_challenge_is_answered(bot_server: BotServer) -> None:
    body = b'{"token":"x","challenge":"abc123","type":"url_verification"}'

    response = bot_server.sender.post(body, content_type=slack_requests.JSON)

    assert response.status_code == 200
    assert response.json() == {"challenge": "abc123"}


def test_unhandled_action_and_view_are_answered_without_error(bot_server: BotServer) -> None:
    """No listener yet: Bolt answers 404, and nothing reaches the Web API."""
    assert bot_server.action("approve_report").status_code == 404
    assert bot_server.view_submission("link_student").status_code == 404
    assert bot_server.standin.calls_for("chat.postMessage") == []


def test_healthz(bot_server: BotServer) -> None:
    assert bot_server.http.get("/healthz").json() == {"ok": True}


def test_app_checks_its_token_with_auth_test_on_the_standin(bot_server: BotServer) -> None:
    [call] = bot_server.standin.calls_for("auth.test")
    assert call.token == "xoxb-0001-test-token"


def test_a_slow_ack_does_not_hold_up_other_requests(
    bot_server: BotServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why bot.server runs dispatch in a thread pool: Bolt's sync dispatch waits for ack()
    and would otherwise block the event loop for every other request."""
    blocked = threading.Event()
    release = threading.Event()
    finished = threading.Event()

    def handle_rollcall(
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None:
        blocked.set()
        release.wait(30)
        finished.set()
        ack()

    monkeypatch.setitem(dispatcher.SUBCOMMANDS, "rollcall", dispatcher.SUBCOMMANDS["rollcall"])
    dispatcher.add_subcommand("rollcall", handle_rollcall)
    slow = threading.Thread(target=bot_server.slash, args=("rollcall",))
    slow.start()
    try:
        # Given a handler that has not acked and will not until the test says so
        assert blocked.wait(10)

        # When another request comes in
        help_answer = bot_server.slash("help")

        # Then it is answered while the slow handler is still blocked
        assert not finished.is_set()
        assert "/kindertrack register" in _ephemeral_text(help_answer)
    finally:
        release.set()
        slow.join()


def test_help_text_has_no_raw_angle_brackets(bot_server: BotServer) -> None:
    """Slack reads <...> as a link or mention even inside backticks."""
    answer = _ephemeral_text(bot_server.slash("help"))

    assert "<" not in answer and ">" not in answer
