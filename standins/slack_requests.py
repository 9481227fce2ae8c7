"""Real Slack request payloads, signed exactly as Slack signs them.

Why: the app must be tested through the same door Slack uses: an HTTP POST to
``/slack/events`` carrying a form or JSON body and a ``v0`` signature. Building the
payloads here keeps their shape in one place (slash commands are form-encoded,
interactivity is a form field ``payload`` holding JSON, events are JSON).

Signing (Slack's "Verifying requests from Slack"): ``basestring =
f"v0:{timestamp}:{body}"``; ``X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret,
basestring))``; ``X-Slack-Request-Timestamp = timestamp``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

_ids = itertools.count(1)


@dataclass(frozen=True)
class SignedRequest:
    """A body and the headers Slack would send with it."""

    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    basestring = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), basestring, hashlib.sha256).hexdigest()


def sign(
    body: bytes,
    *,
    secret: str,
    content_type: str,
    timestamp: int | None = None,
    retry_num: int | None = None,
) -> SignedRequest:
    """Sign ``body``; ``timestamp`` defaults to now, ``retry_num`` adds Slack's retry headers."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {
        "content-type": content_type,
        "x-slack-request-timestamp": ts,
        "x-slack-signature": signature(secret, ts, body),
    }
    if retry_num is not None:
        headers["x-slack-retry-num"] = str(retry_num)
        headers["x-slack-retry-reason"] = "http_timeout"
    return SignedRequest(body, headers)


# --- payloads -------------------------------------------------------------------------


def slash_command_body(
    text: str,
    *,
    command: str = "/kindertrack",
    user_id: str = "U0DIRECTOR",
    user_name: str = "director",
    team_id: str = "T0001",
    team_domain: str = "sunnydays",
    channel_id: str = "C0SCHOOL",
    channel_name: str = "sunny-days",
    response_url: str = "https://hooks.slack.com/commands/T0001/1/x",
    trigger_id: str | None = None,
    api_app_id: str = "A0001",
) -> bytes:
    """The form-encoded body Slack posts for a slash command."""
    fields = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or f"{next(_ids)}.1.trigger",
    }
    return urlencode(fields).encode()


def block_actions_body(
    action_id: str,
    *,
    value: str = "",
    block_id: str = "block",
    user_id: str = "U0DIRECTOR",
    team_id: str = "T0001",
    channel_id: str = "C0SCHOOL",
    message_ts: str = "1700000000.000100",
    response_url: str = "https://hooks.slack.com/actions/T0001/1/x",
    trigger_id: str | None = None,
    api_app_id: str = "A0001",
    view: dict[str, Any] | None = None,
    user_team_id: str | None = None,
    selected_option: dict[str, Any] | None = None,
    ephemeral: bool = False,
) -> bytes:
    """A ``block_actions`` payload for a button in a message (or in ``view`` when given);
    ``user_team_id`` is the clicker's own workspace when not ``team_id`` (Slack Connect).
    With ``selected_option`` the action is an ``external_select`` pick; ``ephemeral``
    puts the element in a message only the clicker sees."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user_id, "username": "director", "team_id": user_team_id or team_id},
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "trigger_id": trigger_id or f"{next(_ids)}.1.trigger",
        "team": {"id": team_id, "domain": "sunnydays"},
        "is_enterprise_install": False,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
            if selected_option is None
            else {
                "type": "external_select",
                "action_id": action_id,
                "block_id": block_id,
                "selected_option": selected_option,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    _place(payload, view, channel_id=channel_id, message_ts=message_ts, ephemeral=ephemeral)
    if view is None:
        payload["message"] = {"type": "message", "ts": message_ts, "text": ""}
        payload["response_url"] = response_url
    return _interactivity_form(payload)


def view_submission_body(
    callback_id: str,
    *,
    values: dict[str, dict[str, dict[str, Any]]] | None = None,
    private_metadata: str = "",
    user_id: str = "U0DIRECTOR",
    team_id: str = "T0001",
    view_id: str = "V0MODAL",
    api_app_id: str = "A0001",
    blocks: list[dict[str, Any]] | None = None,
    user_team_id: str | None = None,
) -> bytes:
    """A ``view_submission`` payload; ``values`` is ``state.values`` (block -> action -> value)
    and ``blocks`` the submitted view's blocks (what it offered)."""
    payload = {
        "type": "view_submission",
        "team": {"id": team_id, "domain": "sunnydays"},
        "user": {"id": user_id, "username": "director", "team_id": user_team_id or team_id},
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "trigger_id": f"{next(_ids)}.1.trigger",
        "is_enterprise_install": False,
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "blocks": blocks or [],
            "state": {"values": values or {}},
            "hash": "1.a",
            "app_id": api_app_id,
        },
        "response_urls": [],
    }
    return _interactivity_form(payload)


def block_suggestion_body(
    action_id: str,
    *,
    value: str = "",
    block_id: str = "block",
    user_id: str = "U0DIRECTOR",
    team_id: str = "T0001",
    channel_id: str = "C0SCHOOL",
    message_ts: str = "1700000000.000100",
    api_app_id: str = "A0001",
    view: dict[str, Any] | None = None,
) -> bytes:
    """A ``block_suggestion`` payload: ``value`` typed into an ``external_select`` of a
    message (or of ``view`` when given); Slack expects ``{"options": [...]}`` back."""
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": {"id": user_id, "username": "director", "team_id": team_id},
        "api_app_id": api_app_id,
        "token": "deprecated-verification-token",
        "team": {"id": team_id, "domain": "sunnydays"},
        "is_enterprise_install": False,
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }
    _place(payload, view, channel_id=channel_id, message_ts=message_ts, ephemeral=False)
    return _interactivity_form(payload)


def _place(
    payload: dict[str, Any],
    view: dict[str, Any] | None,
    *,
    channel_id: str,
    message_ts: str,
    ephemeral: bool,
) -> None:
    """Where the interaction happened: in ``view`` (a modal) when given, else in a message
    of the channel."""
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        payload["view"] = view
        return
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel_id,
        "is_ephemeral": ephemeral,
    }
    payload["channel"] = {"id": channel_id, "name": "sunny-days"}


def _interactivity_form(payload: dict[str, Any]) -> bytes:
    """Interactivity arrives form-encoded: one field ``payload`` holding the JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = "T0001",
    event_id: str | None = None,
    api_app_id: str = "A0001",
    bot_user_id: str = "U0BOT",
) -> bytes:
    """An Events API ``event_callback`` envelope around ``event``."""
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_ids):08d}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
    return json.dumps(envelope).encode()


def app_home_opened_event(user_id: str = "U0DIRECTOR", *, tab: str = "home") -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D0HOME",
        "tab": tab,
        "event_ts": f"{time.time():.6f}",
    }


# --- a client ---------------------------------------------------------------------------


class SlackSender:
    """POSTs signed payloads to a running app, as Slack would; returns the httpx response.

    ``url`` is the app's request URL (``http://127.0.0.1:PORT/slack/events``).
    """

    def __init__(self, url: str, *, signing_secret: str, timeout: float = 10.0) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def post(
        self,
        body: bytes,
        *,
        content_type: str,
        timestamp: int | None = None,
        retry_num: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Sign and send ``body``; ``headers`` override (e.g. a forged signature)."""
        signed = sign(
            body,
            secret=self.signing_secret,
            content_type=content_type,
            timestamp=timestamp,
            retry_num=retry_num,
        )
        return self._http.post(
            self.url, content=signed.body, headers={**signed.headers, **(headers or {})}
        )

    def slash(self, text: str, **fields: Any) -> httpx.Response:
        return self.post(slash_command_body(text, **fields), content_type=FORM)

    def action(self, action_id: str, **fields: Any) -> httpx.Response:
        return self.post(block_actions_body(action_id, **fields), content_type=FORM)

    def view_submission(self, callback_id: str, **fields: Any) -> httpx.Response:
        return self.post(view_submission_body(callback_id, **fields), content_type=FORM)

    def suggestion(self, action_id: str, **fields: Any) -> httpx.Response:
        """A ``block_suggestion`` (the options of an ``external_select``)."""
        return self.post(block_suggestion_body(action_id, **fields), content_type=FORM)

    def event(
        self, event: dict[str, Any], *, retry_num: int | None = None, **fields: Any
    ) -> httpx.Response:
        return self.post(event_body(event, **fields), content_type=JSON, retry_num=retry_num)
