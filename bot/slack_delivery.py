"""Putting a notice's message in Slack: one Web API call each, where the notice says.

A *destination* is the plain dict the listener handed to the worker (``bot.destination``)::

    {"team_id": str, "channel_id": str|None, "ts": str|None,
     "user_id": str|None, "response_url": str|None}

and delivery follows it: ``channel_id`` + ``ts`` → ``chat.update`` that message; else
``response_url`` → post to it; else ``channel_id`` → ``chat.postMessage`` there; else a DM
to ``user_id``. A call Slack refuses is logged with IDs only (never a child's name) and
skipped: the notice's work is already recorded in the database, and re-running it would
not help. DM channels and Slack locales are remembered per bot token and user.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.destination import Destination
from bot.locale import SLACK_LOCALE_TTL_S, slack_locale
from bot.slack_hosts import is_response_url
from core.i18n import ENGLISH
from core.notices import Notice
from core.services import preferences
from core.services.runtime import Runtime

log = logging.getLogger(__name__)

Message = dict[str, Any]


class SlackDelivery:
    """Web API calls on a notice's behalf; ``base_url`` tells Slack's own response URLs
    (and the stand-in's) from any other."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._locales: dict[tuple[str, str], tuple[float, str | None]] = {}

    def deliver(
        self, client: WebClient, destination: Destination, message: Message, notice: Notice
    ) -> tuple[str | None, str | None]:
        """Deliver ``message`` where ``destination`` says; the (channel, ts) it now lives at
        when known."""
        channel = destination.get("channel_id") or None
        ts = destination.get("ts") or None
        if channel and ts:
            done = self.call(client.chat_update, notice, channel=channel, ts=ts, **message)
            return (channel, ts) if done else (None, None)
        response_url = destination.get("response_url")
        if response_url and not is_response_url(str(response_url), self._base_url):
            log.warning(
                "a response_url off Slack's hosts ignored; answering by direct message",
                extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id},
            )
            response_url = None
            channel = None if destination.get("user_id") else channel
        if response_url:
            try:
                WebhookClient(str(response_url)).send_dict(
                    {**message, "response_type": "ephemeral", "replace_original": False}
                )
            except (SlackClientError, OSError) as error:
                log_failure(notice, "response_url", error)
            return None, None
        if not channel and destination.get("user_id"):
            channel = self.dm(client, notice, str(destination["user_id"]))
        if not channel:
            log.warning(
                "notice without a destination dropped",
                extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id},
            )
            return None, None
        answer = self.call(client.chat_postMessage, notice, channel=channel, **message)
        return (channel, str(answer["ts"])) if answer is not None else (None, None)

    def language(self, rt: Runtime, client: WebClient, team_id: str, user_id: str) -> str:
        """The language a recipient reads: their choice, else Slack's locale, else English."""
        with rt.session() as session:
            chosen = preferences.language_of(session, team_id=team_id, user_id=user_id)
        return chosen or self.slack_locale(client, user_id) or ENGLISH

    def slack_locale(self, client: WebClient, user_id: str) -> str | None:
        """Slack's locale for ``user_id``, asked once per bot token and user every
        :data:`SLACK_LOCALE_TTL_S` (a reminder pass asks once per director, not once per
        reminder)."""
        key = (client.token or "", user_id)
        now = time.monotonic()
        known = self._locales.get(key)
        if known is not None and now - known[0] < SLACK_LOCALE_TTL_S:
            return known[1]
        locale = slack_locale(client, user_id)
        self._locales[key] = (now, locale)
        return locale

    def dm(self, client: WebClient, notice: Notice, user_id: str) -> str | None:
        """The DM channel with ``user_id``, opened once per bot token and user: Slack
        gives the same channel every time, so a reminder pass asks once per director."""
        key = (client.token or "", user_id)
        known = self._dm_channels.get(key)
        if known is not None:
            return known
        answer = self.call(client.conversations_open, notice, users=user_id)
        if answer is None:
            return None
        channel = str(answer["channel"]["id"])
        self._dm_channels[key] = channel
        return channel

    def upload(
        self,
        client: WebClient,
        notice: Notice,
        *,
        channel: str,
        thread_ts: str,
        content: str,
        filename: str,
        title: str,
    ) -> None:
        self.call(
            client.files_upload_v2,
            notice,
            channel=channel,
            thread_ts=thread_ts,
            content=content,
            filename=filename,
            title=title,
        )

    def call(self, method: Callable[..., Any], notice: Notice, **kwargs: Any) -> Any:
        """One Web API call; a refusal is logged (with IDs only) and answers None."""
        try:
            return method(**kwargs)
        except (SlackClientError, OSError) as error:
            log_failure(notice, getattr(method, "__name__", "web_api"), error, kwargs)
            return None


def log_failure(
    notice: Notice, method: str, error: BaseException, kwargs: Mapping[str, Any] | None = None
) -> None:
    """One warning with the notice's kind and school, the method and Slack's error code."""
    response = getattr(error, "response", None)
    code = response.get("error") if response is not None else type(error).__name__
    log.warning(
        "Slack refused a notice delivery",
        extra={
            "event": "notice_failed",
            "kind": notice.kind,
            "school_id": notice.school_id,
            "method": method,
            "channel": (kwargs or {}).get("channel"),
            "error": code,
        },
    )
