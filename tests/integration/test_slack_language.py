"""Each person reads Rollcall in their language: Slack's locale (``users.info``), or their
own ``/kindertrack language es|en|auto`` choice, stored in the database.

Signed HTTP requests to the real Bolt app, the Slack stand-in, the real test database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

import bot.runtime
from core.services.preferences import language_of
from core.services.runtime import Runtime
from standins.slack_web_api import SlackStandin
from tests.fixtures.slack import BotServer

pytestmark = pytest.mark.slow  # the bot app over signed HTTP, most with real workers

TEAM = "T0001"
MARIA, DANA = "U0MARIA", "U0DANA"


@pytest.fixture
def server(
    bot_server_factory: Callable[..., BotServer], rt: Runtime, slack_standin: SlackStandin
) -> Iterator[BotServer]:
    slack_standin.add_user(MARIA, name="maria", locale="es-LA")
    slack_standin.add_user(DANA, name="dana", locale="en-US")
    bot.runtime.use_runtime(rt)
    yield bot_server_factory()
    bot.runtime.use_runtime(None)


def answer(server: BotServer, text: str, user: str) -> str:
    response = server.slash(text, user_id=user, team_id=TEAM)
    assert response.status_code == 200
    return str(response.json()["text"])


def test_a_spanish_slack_user_reads_spanish_and_an_english_one_english(
    server: BotServer, slack_standin: SlackStandin
) -> None:
    assert "esta lista" in answer(server, "help", MARIA)
    assert "this list" in answer(server, "help", DANA)
    assert "Lo siento, no conozco `/kindertrack bogus`." in answer(server, "bogus", MARIA)
    asked = slack_standin.calls_for("users.info")
    assert {c.args["user"] for c in asked} == {MARIA, DANA}
    assert all(c.args["include_locale"] in ("1", "true", "True") for c in asked)


def test_the_language_command_overrides_slack_and_auto_follows_it_again(
    server: BotServer, rt: Runtime
) -> None:
    assert answer(server, "language en", MARIA) == "Rollcall now writes to you in English."
    assert "this list" in answer(server, "help", MARIA)
    assert answer(server, "language es", DANA) == "Rollcall ahora le escribe en español."
    assert "esta lista" in answer(server, "help", DANA)
    with rt.session() as session:
        assert language_of(session, team_id=TEAM, user_id=DANA) == "es"
        assert language_of(session, team_id=TEAM, user_id=MARIA) == "en"

    assert answer(server, "language auto", MARIA) == (
        "Rollcall ahora le escribe en el idioma de su Slack."
    )
    assert "esta lista" in answer(server, "help", MARIA)
    assert "Elija un idioma" in answer(server, "language fr", DANA)
    assert "esta lista" in answer(server, "help", DANA)


def test_an_unknown_slack_user_reads_english(server: BotServer) -> None:
    assert "this list" in answer(server, "help", "U0NOBODY")
