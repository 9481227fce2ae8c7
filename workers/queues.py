"""Read-only inspection of Dramatiq's Redis queues: what is waiting, delayed or dead.

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

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import redis

from workers.broker import NAMESPACE

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
