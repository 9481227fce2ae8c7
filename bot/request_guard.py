"""The door of ``POST /slack/events``: a signed request, acted on once, before any parsing.

Why here and not in Bolt: Bolt parses the body (form, JSON) before it checks the
signature, so a malformed unsigned body (``payload={``, a deep nesting) or a timestamp
like ``abc`` ended in a 500 with a traceback, and a refused request's whole body was
logged. Checking first means anything unsigned or malformed gets a bare 401 and is never
parsed or logged.

Replay: a signed request is valid for five minutes, so a copy captured on the way could
be sent again (a second "In" click, a second approval). Each (timestamp, signature) is
remembered in Redis for the window with ``SET NX``: the first arrival acts, a copy is
answered 200 without acting. Slack's own retries carry a new timestamp and signature
(and ``X-Slack-Retry-Num``, handled by ``bot.middleware``), so they are not copies.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from core.config import Settings

log = logging.getLogger(__name__)

#: Slack's window: a request older (or newer) than this is refused.
SIGNATURE_WINDOW_S = 300
#: A body larger than this is refused unread (Slack's payloads are far smaller).
MAX_BODY_BYTES = 1_000_000
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
REPLAY_KEY_PREFIX = "rollcall:slack-request:"


class Verdict(Enum):
    ACT = "act"
    REFUSE = "refuse"  # 401: unsigned, badly signed, malformed or stale
    REPLAY = "replay"  # 200 without acting: this exact request was already acted on


class SeenRequests(Protocol):
    def first_time(self, key: str, *, ttl_s: int) -> bool:
        """Remember ``key`` for ``ttl_s``; True only for the first caller."""
        ...


@dataclass(frozen=True)
class RedisSeenRequests:
    """Remembered in Redis, so every bot process shares one memory."""

    client: RedisLike

    def first_time(self, key: str, *, ttl_s: int) -> bool:
        return bool(self.client.set(REPLAY_KEY_PREFIX + key, b"1", nx=True, ex=ttl_s))


class RedisLike(Protocol):
    def set(self, name: str, value: bytes, *, nx: bool, ex: int) -> object: ...


class RequestGuard:
    """Judges a raw request (headers in lower case, body bytes) before anything reads it."""

    def __init__(
        self,
        signing_secret: str,
        seen: SeenRequests,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret.encode()
        self._seen = seen
        self._clock = clock

    def judge(self, headers: Mapping[str, str], body: bytes) -> Verdict:
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            return Verdict.REFUSE
        if abs(self._clock() - int(timestamp)) > SIGNATURE_WINDOW_S:
            return Verdict.REFUSE
        if len(body) > MAX_BODY_BYTES:
            return Verdict.REFUSE
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self._secret, base, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return Verdict.REFUSE
        key = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
        if not self._seen.first_time(key, ttl_s=SIGNATURE_WINDOW_S * 2):
            return Verdict.REPLAY
        return Verdict.ACT


def guard_from_settings(settings: Settings) -> RequestGuard:
    """The guard of a running app: ``SLACK_SIGNING_SECRET`` and the settings' Redis (the
    embedded one when ``ROLLCALL_REDIS_URL`` is unset)."""
    import redis

    from workers.embedded_redis import resolve_redis_url

    client = redis.Redis.from_url(resolve_redis_url(settings))
    return RequestGuard(settings.slack_signing_secret or "", RedisSeenRequests(client))
