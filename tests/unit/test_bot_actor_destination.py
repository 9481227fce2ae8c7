"""Who is acting (bot.permissions) and where the answer goes (bot.destination), from
Slack payloads: one set of fallback rules for every listener."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import BoltContext

from bot.destination import (
    destination,
    read_destination,
    to_clicked_message,
    to_message,
    to_response_url,
    to_user,
)
from bot.permissions import Actor, actor_from_command, actor_from_payload
from core.i18n import using_locale

KEYS = {"team_id", "channel_id", "ts", "user_id", "response_url", "locale"}


def test_command_actor_prefers_bolts_team_then_the_commands() -> None:
    command = {"team_id": "T0CMD", "user_id": "U0A", "channel_id": "C0A"}

    assert actor_from_command(command, BoltContext({"team_id": "T0CTX"})) == Actor(
        "T0CTX", "U0A", "C0A"
    )
    assert actor_from_command(command, BoltContext()) == Actor("T0CMD", "U0A", "C0A")


def test_command_actor_falls_back_to_bolts_user_and_channel() -> None:
    context = BoltContext({"user_id": "U0CTX", "channel_id": "C0CTX"})

    assert actor_from_command({"team_id": "T0"}, context) == Actor("T0", "U0CTX", "C0CTX")
    assert actor_from_command({}, BoltContext()) == Actor("", "", None)


@pytest.mark.parametrize(
    ("context", "body", "team"),
    [
        ({"team_id": "T0CTX"}, {"team": {"id": "T0BODY"}, "user": {"team_id": "T0USER"}}, "T0CTX"),
        ({}, {"team": {"id": "T0BODY"}, "user": {"team_id": "T0USER"}}, "T0BODY"),
        ({}, {"team": None, "user": {"team_id": "T0USER"}}, "T0USER"),
        ({}, {}, ""),
    ],
)
def test_payload_actor_team_is_context_then_payload_then_user(
    context: dict[str, Any], body: dict[str, Any], team: str
) -> None:
    assert actor_from_payload(body, BoltContext(context)).team_id == team


@pytest.mark.parametrize(
    ("body", "context", "channel"),
    [
        (
            {"container": {"type": "message", "channel_id": "C0BOX"}, "channel": {"id": "C0"}},
            {},
            "C0BOX",
        ),
        ({"container": {"type": "view"}, "channel": {"id": "C0BODY"}}, {}, "C0BODY"),
        ({"container": {"type": "view"}}, {"channel_id": "C0CTX"}, "C0CTX"),
        ({"container": {"type": "view", "view_id": "V0"}}, {}, None),
        ({"view": {"id": "V0"}}, {}, None),
    ],
)
def test_payload_actor_channel_is_the_containers_then_the_payloads_then_bolts(
    body: dict[str, Any], context: dict[str, Any], channel: str | None
) -> None:
    assert actor_from_payload(body, BoltContext(context)).channel_id == channel


def test_payload_actor_user_is_the_payloads_else_bolts() -> None:
    assert (
        actor_from_payload({"user": {"id": "U0A"}}, BoltContext({"user_id": "U0B"})).user_id
        == "U0A"
    )
    assert actor_from_payload({}, BoltContext({"user_id": "U0B"})).user_id == "U0B"


ACTOR = Actor("T0", "U0", "C0")


def test_every_builder_writes_the_six_keys() -> None:
    clicked = {"container": {"type": "message", "channel_id": "C0", "message_ts": "1.2"}}
    for built in (
        destination(team_id="T0"),
        to_user(ACTOR),
        to_message(ACTOR, channel_id="C0", ts="1.2"),
        to_response_url(ACTOR, "https://hooks/1"),
        to_clicked_message(ACTOR, clicked),
    ):
        assert set(built) == KEYS
        assert built["team_id"] == "T0"


def test_a_clicked_message_is_updated_in_place_and_a_page_is_kept() -> None:
    body = {
        "container": {"type": "message", "channel_id": "C0", "message_ts": "1.2"},
        "response_url": "https://hooks/1",
        "locale": "en",
    }

    assert dict(to_clicked_message(ACTOR, body, page=2)) == {
        "team_id": "T0",
        "channel_id": "C0",
        "ts": "1.2",
        "user_id": "U0",
        "response_url": None,
        "locale": "en",
        "page": 2,
    }


def test_a_click_outside_a_message_answers_through_the_response_url() -> None:
    body = {"container": {"type": "view"}, "response_url": "https://hooks/1"}

    assert to_clicked_message(ACTOR, body) == {
        "team_id": "T0",
        "channel_id": None,
        "ts": None,
        "user_id": "U0",
        "response_url": "https://hooks/1",
        "locale": "en",
    }


def test_a_home_tab_answer_is_a_dm() -> None:
    assert to_user(ACTOR) == destination(team_id="T0", user_id="U0")


@pytest.mark.parametrize("raw", [None, "nonsense", {}])
def test_reading_a_missing_destination_gives_every_key_empty(raw: object) -> None:
    assert read_destination(raw) == destination(team_id="")


def test_reading_back_what_was_written_round_trips() -> None:
    written = dict(to_message(ACTOR, channel_id="C0", ts="1.2")) | {"page": 3}

    assert read_destination(written) == written


def test_a_destination_carries_the_language_it_was_built_in() -> None:
    with using_locale("es-LA"):
        built = to_user(ACTOR)

    assert built["locale"] == "es"
    assert read_destination(dict(built))["locale"] == "es"
    assert read_destination(dict(built) | {"locale": "fr"})["locale"] == "en"
