"""Putting a notice's message in Slack: one Web API call each, where the notice says.

A *destination* is the plain dict the listener handed to the worker (``bot.destination``)::

    {"team_id": str, "channel_id": str|None, "ts": str|None,
     "user_id": str|None, "response_url": str|None}

and delivery follows it: ``channel_id`` + ``ts`` → ``chat.update`` that message; else
``response_url`` → post to it; else ``channel_id`` → ``chat.postMessage`` there; else a DM
to ``user_id``. A call Slack refuses is logged with IDs only (never a child's name) and
skipped: the notice's work is already recorded in the database, and re-running it would
not help.

DM channels and Slack locales are remembered in the database per (workspace, user)
(``core.services.slack_users``), read for a whole batch at once (:class:`SlackUsers`) and
written once after it, so a worker process that never met a director still posts with
one call. A remembered DM channel Slack refuses (``channel_not_found``, ``is_archived``,
``not_in_channel``) is forgotten and opened again, once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient
from sqlmodel import Session

from bot.destination import Destination
from bot.locale import ask_slack_locale
from bot.slack_hosts import is_response_url
from core.notices import Notice
from core.services.runtime import Runtime
from core.services.slack_users import SlackUser, UserKey, remember_slack_users, slack_users

log = logging.getLogger(__name__)

Message = dict[str, Any]

#: What Slack answers a post to a DM channel that is no longer the bot's with the user.
STALE_DM = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


class SlackUsers:
    """Some Slack users as remembered (read together) and what a batch learned about them
    (written together by :meth:`SlackDelivery.remember`). One batch's, used by one thread."""

    def __init__(self, remembered: Mapping[UserKey, SlackUser], now: datetime) -> None:
        self._known = dict(remembered)
        self._now = now
        self._opened: set[UserKey] = set()
        self.learned: dict[UserKey, SlackUser] = {}
        """What Slack told this batch (None fields: nothing new)."""
        self.forgotten: dict[UserKey, str] = {}
        """Remembered DM channels Slack refused."""

    def channel(self, key: UserKey) -> str | None:
        known = self._known.get(key)
        return known.dm_channel if known is not None else None

    def opened_now(self, key: UserKey) -> bool:
        """This batch opened the user's DM (it was not remembered)."""
        return key in self._opened

    def opened(self, key: UserKey, channel: str) -> None:
        self._opened.add(key)
        self._learn(key, dm_channel=channel)

    def forget(self, key: UserKey, channel: str) -> None:
        self.forgotten[key] = channel
        self._known[key] = replace(self._known.get(key, SlackUser()), dm_channel=None)
        if key in self.learned:
            self.learned[key] = replace(self.learned[key], dm_channel=None)

    def locale(self, key: UserKey) -> tuple[bool, str | None]:
        """(known, locale): known when Slack was asked recently enough."""
        known = self._known.get(key)
        if known is None or not known.knows_locale(self._now):
            return False, None
        return True, known.locale

    def asked(self, key: UserKey, locale: str | None) -> None:
        self._learn(key, locale=locale, locale_checked_at=self._now)

    def _learn(self, key: UserKey, **values: Any) -> None:
        self._known[key] = replace(self._known.get(key, SlackUser()), **values)
        self.learned[key] = replace(self.learned.get(key, SlackUser()), **values)


class SlackDelivery:
    """Web API calls on a notice's behalf; ``base_url`` tells Slack's own response URLs
    (and the stand-in's) from any other; ``runtime`` holds the remembered users."""

    def __init__(self, base_url: str, runtime: Callable[[], Runtime]) -> None:
        self._base_url = base_url
        self._runtime = runtime

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
            key = (str(destination.get("team_id") or ""), str(destination["user_id"]))
            with self.users_of([key]) as users:
                channel, answer = self.post_dm(client, notice, users, key, message)
            return (channel, str(answer["ts"])) if answer is not None else (None, None)
        if not channel:
            log.warning(
                "notice without a destination dropped",
                extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id},
            )
            return None, None
        answer = self.call(client.chat_postMessage, notice, channel=channel, **message)
        return (channel, str(answer["ts"])) if answer is not None else (None, None)

    # --- remembered users ----------------------------------------------------------------

    @staticmethod
    def remembered(rt: Runtime, session: Session, users: Iterable[UserKey]) -> SlackUsers:
        """``users`` as remembered, read in the caller's transaction (one query)."""
        return SlackUsers(slack_users(session, users), rt.now())

    def remember(self, rt: Runtime, users: SlackUsers) -> None:
        """Write what a batch learned (one transaction; none when nothing is new)."""
        if users.learned or users.forgotten:
            with rt.session() as session:
                remember_slack_users(session, users.learned, forgotten=users.forgotten)

    @contextmanager
    def users_of(self, keys: Iterable[UserKey]) -> Iterator[SlackUsers]:
        """``keys`` as remembered for one notice; what it learned is written after it."""
        rt = self._runtime()
        with rt.session() as session:
            users = self.remembered(rt, session, keys)
        try:
            yield users
        finally:
            self.remember(rt, users)

    def slack_locale(self, client: WebClient, users: SlackUsers, key: UserKey) -> str | None:
        """Slack's locale for the user: remembered for ``LOCALE_RECHECK``
        (``core.services.slack_users``), else asked (``users.info``)."""
        known, locale = users.locale(key)
        if known:
            return locale
        answer = ask_slack_locale(client, key[1])
        if answer.final:
            users.asked(key, answer.locale)
        return answer.locale

    def dm(self, client: WebClient, notice: Notice, users: SlackUsers, key: UserKey) -> str | None:
        """The DM channel with the user: remembered, else opened (Slack gives the same
        channel every time, so it is opened once per workspace and user)."""
        known = users.channel(key)
        if known is not None:
            return known
        answer = self.call(client.conversations_open, notice, users=key[1])
        if answer is None:
            return None
        channel = str(answer["channel"]["id"])
        users.opened(key, channel)
        return channel

    def post_dm(
        self, client: WebClient, notice: Notice, users: SlackUsers, key: UserKey, message: Message
    ) -> tuple[str | None, Any]:
        """Post ``message`` to the user's DM: (the channel, Slack's answer or None when
        refused); (None, None) when no DM could be opened. A remembered channel Slack
        refuses as gone is forgotten and opened again, once."""
        channel = self.dm(client, notice, users, key)
        if channel is None:
            return None, None
        answer, refusal = self._post(client, notice, channel, message)
        if refusal in STALE_DM and not users.opened_now(key):
            log.info(
                "a remembered DM channel was refused; opening it again",
                extra={
                    "event": "dm_reopened",
                    "kind": notice.kind,
                    "school_id": notice.school_id,
                    "user_id": key[1],
                    "error": refusal,
                },
            )
            users.forget(key, channel)
            channel = self.dm(client, notice, users, key)
            if channel is None:
                return None, None
            answer, _ = self._post(client, notice, channel, message)
        return channel, answer

    def _post(
        self, client: WebClient, notice: Notice, channel: str, message: Message
    ) -> tuple[Any, str | None]:
        """``chat.postMessage``: (Slack's answer, None) or (None, Slack's error code)."""
        try:
            return client.chat_postMessage(channel=channel, **message), None
        except (SlackClientError, OSError) as error:
            log_failure(notice, "chat_postMessage", error, {"channel": channel})
            return None, error.response.get("error") if isinstance(error, SlackApiError) else None

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
