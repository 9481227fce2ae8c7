"""``rollcall scheduler``: APScheduler triggers that only *send* Dramatiq messages.

The work itself runs in the workers (as Dramatiq's docs recommend for
periodic tasks): a job here is one ``send`` call, so a slow KinderTrack never
delays a tick and a crashed scheduler loses nothing but ticks.

Exactly one scheduler fires. Every instance runs the same triggers, but a job
sends only while its instance holds the leader lock in Redis (a redis-py
``Lock`` with a TTL, renewed every TTL/3 by a keeper thread, and checked
against Redis right before each send). A second scheduler started by mistake
is a standby: it keeps trying to take the lock, and takes over within about
one TTL (plus TTL/3) when the holder dies, or at once when the holder stops
cleanly and releases it. Cron triggers are aligned to the clock (UTC), so a
standby that takes over keeps the same tick grid.

Residual risk: if the leader is frozen (e.g. a stopped VM) longer than the TTL
right between its ownership check and its send, two sends can happen for one
tick. The jobs are sweeps over the database, which is the record of what is
owed (docs/ARCHITECTURE.md), so a duplicate tick is harmless.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC
from types import FrameType
from typing import Any

import redis
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from dramatiq import Message
from dramatiq.errors import ActorNotFound
from redis.exceptions import LockError

from core.config import Settings
from workers.broker import ensure_broker
from workers.embedded_redis import resolve_redis_url
from workers.process_env import DEFAULT_LOCK_TTL_S

log = logging.getLogger(__name__)

#: The Redis key of the leader lock.
LOCK_NAME = "rollcall:scheduler:leader"

#: Queue used for an actor that this process has not declared (``workers.actors`` not extended yet).
DEFAULT_QUEUE = "default"


@dataclass(frozen=True)
class ScheduledJob:
    """One row of the schedule: a name, an APScheduler trigger, and a message-sending callable."""

    name: str
    trigger: BaseTrigger
    send: Callable[[], object]


def send_to_actor(
    actor_name: str, *, queue_name: str = DEFAULT_QUEUE
) -> Callable[[], Message[Any]]:
    """A callable that sends one argument-less message to ``actor_name``.

    Uses the declared actor when ``workers.actors`` declares it (its own queue
    and options), else enqueues a raw message on ``queue_name``, so the
    schedule does not depend on actor code being importable here.
    """

    def send() -> Message[Any]:
        broker = ensure_broker()
        try:
            actor = broker.get_actor(actor_name)
        except ActorNotFound:
            message: Message[Any] = Message(
                queue_name=queue_name, actor_name=actor_name, args=(), kwargs={}, options={}
            )
            return broker.enqueue(message)
        return actor.send()

    send.__name__ = f"send_{actor_name}"
    return send


def default_jobs(*, sweep_every_s: int = 10) -> list[ScheduledJob]:
    """Rollcall's schedule (the lead extends this table).

    The sweep runs every ``sweep_every_s`` (ROLLCALL_SWEEP_EVERY_SECONDS, a divisor of a
    minute): with the 30 s lease, a dead worker's submission is re-driven within about
    40 s (issue 8: recovery within a minute).
    """
    return [
        ScheduledJob(
            "sweep_stuck_submissions",
            CronTrigger(second="0" if sweep_every_s == 60 else f"*/{sweep_every_s}", timezone=UTC),
            send_to_actor("sweep_stuck_submissions"),
        ),
        ScheduledJob(
            "send_due_reminders",
            CronTrigger(minute="*/15", timezone=UTC),
            send_to_actor("send_due_reminders"),
        ),
        ScheduledJob(
            "send_due_nudges",
            CronTrigger(minute="*/5", timezone=UTC),
            send_to_actor("send_due_nudges"),
        ),
    ]


class LeaderLock:
    """The scheduler's leader lock: acquire, renew every TTL/3, release on a clean stop."""

    def __init__(
        self, client: redis.Redis, *, name: str = LOCK_NAME, ttl_s: float = DEFAULT_LOCK_TTL_S
    ) -> None:
        self.ttl_s = ttl_s
        self._lock = client.lock(name, timeout=ttl_s, blocking=False, thread_local=False)
        self._held = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Whether this instance believed it was the leader at its last renewal."""
        return self._held

    def refresh(self) -> bool:
        """Renew the lock if held, else try to take it; return whether it is held now."""
        was_held = self._held
        try:
            if self._held:
                try:
                    self._lock.reacquire()
                except LockError:
                    self._held = False
            if not self._held:
                self._held = bool(self._lock.acquire(blocking=False))
        except redis.RedisError:
            log.warning("scheduler lock unreachable", extra={"event": "scheduler_lock_error"})
            self._held = False
        if self._held != was_held:
            event = "scheduler_leader" if self._held else "scheduler_standby"
            log.info(event.replace("_", " "), extra={"event": event})
        return self._held

    def confirm(self) -> bool:
        """Whether Redis still holds our token (one round trip): checked before every send."""
        if not self._held:
            return False
        try:
            return bool(self._lock.owned())
        except redis.RedisError:
            return False

    def start(self) -> None:
        """Take the lock if free, then keep renewing (or retrying) every TTL/3 in a thread."""
        self.refresh()
        if not self._held:
            log.info("scheduler standby", extra={"event": "scheduler_standby"})
        self._stop.clear()
        self._thread = threading.Thread(target=self._keep, name="scheduler-lock", daemon=True)
        self._thread.start()

    def stop(self, *, release: bool = True) -> None:
        """Stop renewing; release the lock so a standby takes over at once (unless told not to)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.ttl_s)
        if release and self._held:
            with contextlib.suppress(LockError, redis.RedisError):
                self._lock.release()
        self._held = False

    def _keep(self) -> None:
        while not self._stop.wait(self.ttl_s / 3):
            self.refresh()


class SchedulerRunner:
    """A BlockingScheduler whose jobs send only while this instance holds the leader lock."""

    def __init__(
        self,
        client: redis.Redis,
        jobs: Sequence[ScheduledJob],
        *,
        lock_name: str = LOCK_NAME,
        lock_ttl_s: float = DEFAULT_LOCK_TTL_S,
    ) -> None:
        self.lock = LeaderLock(client, name=lock_name, ttl_s=lock_ttl_s)
        self.scheduler = BlockingScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        for job in jobs:
            self.scheduler.add_job(self._fire, job.trigger, args=(job,), id=job.name, name=job.name)

    def _fire(self, job: ScheduledJob) -> None:
        if not self.lock.confirm():
            return
        job.send()
        log.info("scheduled message sent", extra={"event": "scheduled_send", "job": job.name})

    def run(self) -> None:
        """Block until :meth:`stop`: take or watch the lock, and fire jobs while leader."""
        self.lock.start()
        try:
            self.scheduler.start()
        finally:
            self.lock.stop(release=True)

    def stop(self) -> None:
        """Stop firing and leave (the lock is released by :meth:`run` on its way out)."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def run_scheduler(settings: Settings, *, lock_ttl_s: float = DEFAULT_LOCK_TTL_S) -> None:
    """``rollcall scheduler``: run the default jobs until SIGTERM/SIGINT, then release the lock."""
    import workers.actors  # noqa: F401  (declares the actors, so sends use their queues)

    client = redis.Redis.from_url(resolve_redis_url(settings))
    jobs = default_jobs(sweep_every_s=settings.sweep_every_seconds)
    runner = SchedulerRunner(client, jobs, lock_ttl_s=lock_ttl_s)

    def request_stop(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=runner.stop, name="scheduler-stop").start()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    log.info("scheduler starting", extra={"event": "scheduler_start"})
    runner.run()
    log.info("scheduler stopped", extra={"event": "scheduler_stop"})
