"""Inspection of Dramatiq's Redis queues (what is waiting, delayed or dead), and the
re-drive of dead letters.

Key layout of Dramatiq's Redis broker (``dramatiq/brokers/redis/dispatch.lua``),
for a queue ``Q`` in namespace ``dramatiq``:

* ``dramatiq:Q``          list of message ids ready to be fetched (the depth)
* ``dramatiq:Q.msgs``     hash id -> message, for ready *and* fetched-not-acked messages
* ``dramatiq:Q.DQ``, ``dramatiq:Q.DQ.msgs``  the delay queue (retries waiting for backoff)
* ``dramatiq:Q.XQ``       sorted set of dead-lettered ids (kept 7 days)
* ``dramatiq:Q.XQ.msgs``  the dead-lettered messages
* ``dramatiq:__acks__.<worker>.Q``, ``dramatiq:__heartbeats__``  per-worker bookkeeping
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import redis
from dramatiq import Broker, Message
from dramatiq.common import q_name

from workers.process_env import NAMESPACE

_DELAY_SUFFIX = ".DQ"
_DEAD_SUFFIX = ".XQ"
_MESSAGES_SUFFIX = ".msgs"


@dataclass(frozen=True)
class QueueStats:
    """Counts for one queue (its delay and dead-letter queues folded in)."""

    queue: str
    depth: int
    in_progress: int
    delayed: int
    dead_letters: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def discover_queues(client: redis.Redis, *, namespace: str = NAMESPACE) -> set[str]:
    """Names of the queues that hold (or held) messages, found by scanning the namespace."""
    names: set[str] = set()
    prefix = f"{namespace}:"
    for raw in client.scan_iter(match=f"{prefix}*", count=500):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        name = key[len(prefix) :]
        if name.startswith("__"):
            continue
        for suffix in (_MESSAGES_SUFFIX, _DEAD_SUFFIX, _DELAY_SUFFIX):
            name = name.removesuffix(suffix)
        names.add(name)
    return names


def queue_stats(client: redis.Redis, queue: str, *, namespace: str = NAMESPACE) -> QueueStats:
    """The counts of one queue, read in a single round trip."""
    base = f"{namespace}:{queue}"
    pipe = client.pipeline(transaction=False)
    pipe.llen(base)
    pipe.hlen(base + _MESSAGES_SUFFIX)
    pipe.hlen(base + _DELAY_SUFFIX + _MESSAGES_SUFFIX)
    pipe.zcard(base + _DEAD_SUFFIX)
    ready, stored, delayed, dead = (int(n) for n in pipe.execute())
    return QueueStats(
        queue=queue,
        depth=ready,
        in_progress=max(stored - ready, 0),
        delayed=delayed,
        dead_letters=dead,
    )


def inspect_queues(
    client: redis.Redis, *, namespace: str = NAMESPACE, known: Iterable[str] = ()
) -> list[QueueStats]:
    """Stats for every queue in Redis plus ``known`` ones (declared by actors), sorted by name."""
    canonical = {name.removesuffix(_DELAY_SUFFIX) for name in known}
    names = discover_queues(client, namespace=namespace) | canonical
    return [queue_stats(client, name, namespace=namespace) for name in sorted(names)]


#: Options a dead letter carries from its failed run, dropped when it is re-driven.
_RUN_OPTIONS = ("retries", "traceback", "requeue_timestamp", "redis_message_id", "eta")


@dataclass(frozen=True)
class DeadLetter:
    """One dead-lettered message: which actor and since when (the worker's log names the
    error it died of under the same ``message_id``)."""

    queue: str
    actor: str
    message_id: str
    redis_id: str
    age_seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def _bytes(raw: bytes | str) -> bytes:
    return raw if isinstance(raw, bytes) else raw.encode()


def dead_letters(
    client: redis.Redis, queues: Iterable[str], *, namespace: str = NAMESPACE
) -> list[DeadLetter]:
    """Every dead letter of ``queues``, oldest first."""
    now_ms = time.time() * 1000
    found: list[DeadLetter] = []
    for queue in sorted({q_name(name) for name in queues}):
        key = f"{namespace}:{queue}{_DEAD_SUFFIX}"
        ranked: list[tuple[bytes, float]] = client.zrange(key, 0, -1, withscores=True)  # type: ignore[assignment]
        scores = {_text(member): float(score) for member, score in ranked}
        stored = client.hgetall(key + _MESSAGES_SUFFIX)
        for raw_id, raw_message in stored.items():
            message: Message[Any] = Message.decode(_bytes(raw_message))
            dead_at = scores.get(_text(raw_id), now_ms)
            found.append(
                DeadLetter(
                    queue=queue,
                    actor=message.actor_name,
                    message_id=message.message_id,
                    redis_id=_text(raw_id),
                    age_seconds=max(now_ms - dead_at, 0.0) / 1000,
                )
            )
    return sorted(found, key=lambda d: -d.age_seconds)


def redrive(
    client: redis.Redis,
    broker: Broker,
    letters: Iterable[DeadLetter],
    *,
    namespace: str = NAMESPACE,
) -> int:
    """Put dead letters back on their queues as fresh messages (retry count reset).

    Taking a letter out of the dead-letter set is the claim (``ZREM`` answers 1 to one
    caller only), so two operators re-driving at once send each message once.
    """
    sent = 0
    for letter in letters:
        key = f"{namespace}:{letter.queue}{_DEAD_SUFFIX}"
        raw = client.hget(key + _MESSAGES_SUFFIX, letter.redis_id)
        if raw is None or not client.zrem(key, letter.redis_id):
            continue
        message: Message[Any] = Message.decode(_bytes(raw))
        options = {k: v for k, v in message.options.items() if k not in _RUN_OPTIONS}
        broker.enqueue(
            Message(
                queue_name=q_name(message.queue_name),
                actor_name=message.actor_name,
                args=message.args,
                kwargs=message.kwargs,
                options=options,
                message_id=message.message_id,
                message_timestamp=message.message_timestamp,
            )
        )
        client.hdel(key + _MESSAGES_SUFFIX, letter.redis_id)
        sent += 1
    return sent
