"""The /kindertrack table, called directly with Bolt's own Ack (no HTTP)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.commands import dispatcher
from core.errors import InvalidInput


class RecordingRespond:
    """A stand-in for Bolt's Respond that keeps what would go to response_url."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> None:
        self.sent.append(kwargs)


def _run(text: str, respond: Any = None) -> Ack:
    ack = Ack()
    dispatcher.handle_kindertrack(
        ack=ack,
        respond=cast(Respond, respond or RecordingRespond()),
        client=WebClient(token="xoxb-unused", base_url="http://127.0.0.1:9/"),
        command={"text": text, "user_id": "U1", "channel_id": "C1"},
        context=BoltContext(),
    )
    return ack


@pytest.mark.parametrize(
    ("text", "expected"),
    [("", ("help", "")), ("  In  Ava  Smith ", ("in", "Ava  Smith")), ("SYNC", ("sync", ""))],
)
def test_split(text: str, expected: tuple[str, str]) -> None:
    assert dispatcher.split(text) == expected


def test_help_is_acked_with_the_catalogue() -> None:
    ack = _run("help")

    assert ack.response is not None
    assert ack.response.status == 200
    assert "/kindertrack school [NAME]" in str(ack.response.body)


def test_add_subcommand_routes_and_keeps_catalogue_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", dict(dispatcher.SUBCOMMANDS))
    calls: list[str] = []

    def handle_in(
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None:
        ack(text="checked in")
        calls.append(context["subcommand_args"])

    dispatcher.add_subcommand("in", handle_in)

    assert "checked in" in str(_run("in Ava Smith").response.body)  # type: ignore[union-attr]
    assert calls == ["Ava Smith"]
    assert "`/kindertrack in STUDENT`: check a student in now" in dispatcher.help_text()


def test_new_subcommand_needs_help_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", dict(dispatcher.SUBCOMMANDS))

    with pytest.raises(ValueError):
        dispatcher.add_subcommand("dance", dispatcher.help_handler)


def test_domain_refusal_after_ack_goes_to_response_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", dict(dispatcher.SUBCOMMANDS))

    def handle_link(
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None:
        ack()
        raise InvalidInput("A child ID is exactly 6 digits, like 123456.")

    dispatcher.add_subcommand("link", handle_link)
    respond = RecordingRespond()

    _run("link Ava 12", respond)

    assert respond.sent[0]["text"] == "A child ID is exactly 6 digits, like 123456."


def test_domain_refusal_before_ack_is_the_ack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dispatcher, "SUBCOMMANDS", dict(dispatcher.SUBCOMMANDS))

    def handle_register(
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None:
        raise InvalidInput("A provider ID is exactly 5 digits, like 12345.")

    dispatcher.add_subcommand("register", handle_register)

    assert "5 digits" in str(_run("register 1").response.body)  # type: ignore[union-attr]
