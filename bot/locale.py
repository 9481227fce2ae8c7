"""Who is asking → which language: the user's ``/kindertrack language`` choice, else the
locale Slack reports for them (``users.info`` with ``include_locale``), else English.

How it reaches the text: :func:`reader_locale_middleware` is a global Bolt middleware that sets the
current language (``core.i18n``) for the request, and :class:`CarryContext` runs the
listeners (Bolt's thread pool) in a copy of the request's context, so a listener, the
blocks it builds and the refusals it answers are all written in the reader's language.
Workers get the language with the job (``bot.destination`` carries it) or resolve it per
recipient (``bot.notifier``) with :func:`slack_locale`.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, NamedTuple, ParamSpec, TypeVar

from slack_bolt import BoltContext
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from core import i18n
from core.services.preferences import language_of
from core.services.runtime import Runtime

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: How long the locale Slack reported for a user is trusted before asking again.
SLACK_LOCALE_TTL_S = 600.0


def slack_locale(client: WebClient, user_id: str) -> str | None:
    """The language Slack reports for ``user_id`` (``en``/``es``), or None when Slack does
    not say or cannot be asked (the reader then gets English, never an error)."""
    return ask_slack_locale(client, user_id).locale


class SlackLocale(NamedTuple):
    """What ``users.info`` said of a user's language."""

    locale: str | None
    """``en``/``es``, or None (Slack named none, another, or could not be asked)."""
    final: bool
    """Slack answered for this user (worth remembering); False when the call failed and
    asking again later may tell more."""


#: Slack's refusals that are an answer about the user (no such user): worth remembering.
_FINAL_REFUSALS = frozenset({"user_not_found", "user_not_visible"})


def ask_slack_locale(client: WebClient, user_id: str) -> SlackLocale:
    """:func:`slack_locale`, saying whether the answer is worth remembering."""
    try:
        answer = client.users_info(user=user_id, include_locale=True)
    except (SlackClientError, OSError) as error:
        response = getattr(error, "response", None)
        code = response.get("error") if response is not None else type(error).__name__
        log.info(
            "users.info gave no locale",
            extra={"event": "locale_unknown", "user_id": user_id, "error": code},
        )
        return SlackLocale(None, code in _FINAL_REFUSALS)
    user = answer.get("user") or {}
    return SlackLocale(i18n.normalize(user.get("locale")), True)


class LocaleResolver:
    """The reader's language: the stored choice first (read each time, so a change shows
    at once), then Slack's locale, remembered for :data:`SLACK_LOCALE_TTL_S` per user."""

    def __init__(self, runtime: Callable[[], Runtime], *, ttl_s: float = SLACK_LOCALE_TTL_S):
        self._runtime = runtime
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._slack: dict[tuple[str, str], tuple[float, str | None]] = {}

    def __call__(self, client: WebClient, *, team_id: str, user_id: str) -> str:
        try:
            with self._runtime().session() as session:
                chosen = language_of(session, team_id=team_id, user_id=user_id)
        except SQLAlchemyError as error:
            # The reader still gets an answer, in Slack's language; the command itself
            # will meet the same database and say so.
            log.warning(
                "language preference unreadable",
                extra={
                    "event": "locale_unknown",
                    "user_id": user_id,
                    "error": type(error).__name__,
                },
            )
            chosen = None
        return chosen or self.slack_language(client, team_id=team_id, user_id=user_id)

    def slack_language(self, client: WebClient, *, team_id: str, user_id: str) -> str:
        key = (team_id, user_id)
        now = time.monotonic()
        with self._lock:
            known = self._slack.get(key)
        if known is None or now - known[0] > self._ttl_s:
            known = (now, slack_locale(client, user_id))
            with self._lock:
                self._slack[key] = known
        return known[1] or i18n.ENGLISH


def reader_locale_middleware(resolver: LocaleResolver) -> Callable[..., None]:
    """Global middleware: write this request's answers in its user's language."""

    def use_reader_locale(
        req: BoltRequest,
        resp: BoltResponse,
        context: BoltContext,
        next: Callable[[], None],
    ) -> None:
        locale = i18n.ENGLISH
        user_id = context.user_id
        if user_id and context.client is not None:
            locale = resolver(context.client, team_id=str(context.team_id or ""), user_id=user_id)
        context["locale"] = locale
        i18n.set_locale(locale)
        next()

    return use_reader_locale


class CarryContext(Executor):
    """An executor that runs each call in a copy of the submitter's ``contextvars``
    (Bolt hands listeners to a thread pool, which would otherwise start them empty)."""

    def __init__(self, inner: Executor):
        self._inner = inner

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        context = contextvars.copy_context()
        return self._inner.submit(lambda: context.run(fn, *args, **kwargs))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait, cancel_futures=cancel_futures)


def reader_locale(context: BoltContext | dict[str, Any]) -> str:
    """The language the middleware chose for this request."""
    return i18n.normalize(context.get("locale")) or i18n.ENGLISH
