"""Prometheus metrics of the workers and the scheduler (ports ``ROLLCALL_METRICS_PORT`` and
``ROLLCALL_SCHEDULER_METRICS_PORT``).

* Dramatiq's own (``dramatiq_messages_total``, errors, retries, dead-lettered, durations)
  from its Prometheus middleware, written by each worker process to a shared directory
  (``PROMETHEUS_MULTIPROC_DIR``, set by ``rollcall worker``);
* KinderTrack calls: ``rollcall_kindertrack_call_seconds{operation,outcome}`` (outcome
  ``ok`` or the error's type, e.g. ``Unauthorized`` for a 401), recorded by
  :class:`MeteredKinderTrack` around the worker's adapter;
* read at each scrape (:class:`RollcallCollector`): ``rollcall_submissions{state}``,
  ``rollcall_submission_oldest_age_seconds{state}`` for ``approved`` and ``submitting``
  (time since the oldest one last moved), and ``rollcall_dead_letters{queue}``.

The exposition server of the workers runs as a Dramatiq fork process
(:func:`serve_worker_metrics`), so one port serves every worker process of a host.
``prometheus_client`` is imported only inside functions: its multiprocess mode is chosen
when it is first imported, after ``rollcall worker`` has set the directory.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import redis
from dramatiq.middleware.prometheus import Prometheus
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from core.store.tables import Submission
from workers.process_env import ACTOR_QUEUES
from workers.queues import dead_letters

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry, Histogram
    from prometheus_client.core import Metric

log = logging.getLogger(__name__)

#: States whose oldest row an operator watches: one stuck there is a submission not sent.
WATCHED_STATES = ("approved", "submitting")


class RollcallCollector:
    """Submissions by state, the age of the oldest approved/submitting one, dead letters:
    read from the database and Redis when Prometheus scrapes."""

    def __init__(
        self,
        engine: Engine,
        redis_client: redis.Redis,
        queues: Iterable[str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._redis = redis_client
        self._queues = sorted(set(queues))
        self._clock = clock

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        counts = GaugeMetricFamily(
            "rollcall_submissions", "Submissions by state.", labels=["state"]
        )
        oldest = GaugeMetricFamily(
            "rollcall_submission_oldest_age_seconds",
            "Seconds since the oldest submission in this state last moved.",
            labels=["state"],
        )
        now = self._clock()
        seen: dict[str, tuple[int, datetime | None]] = {}
        with Session(self._engine) as session:
            rows = session.exec(
                select(Submission.state, func.count(), func.min(Submission.updated_at)).group_by(
                    Submission.state
                )
            )
            for state, count, moved in rows:
                seen[str(state)] = (int(count), moved)
        for state in sorted({*seen, *WATCHED_STATES}):
            count, first = seen.get(state, (0, None))
            counts.add_metric([state], count)
            if state in WATCHED_STATES:
                age = (now - _aware(first)).total_seconds() if first is not None else 0.0
                oldest.add_metric([state], max(age, 0.0))
        yield counts
        yield oldest
        dead = GaugeMetricFamily(
            "rollcall_dead_letters", "Dead-lettered messages by queue.", labels=["queue"]
        )
        per_queue = dict.fromkeys(self._queues, 0)
        for letter in dead_letters(self._redis, self._queues):
            per_queue[letter.queue] = per_queue.get(letter.queue, 0) + 1
        for queue, count in sorted(per_queue.items()):
            dead.add_metric([queue], count)
        yield dead


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


_calls: Histogram | None = None
_making_calls = threading.Lock()


def kindertrack_calls() -> Histogram:
    """The histogram of KinderTrack calls, made once per process under a lock: a worker's
    threads make their first calls together, and each one making it would register it
    again (``DuplicateTimeseries``, raised out of a call KinderTrack had answered)."""
    global _calls
    if _calls is None:
        with _making_calls:
            if _calls is None:
                from prometheus_client import Histogram

                _calls = Histogram(
                    "rollcall_kindertrack_call_seconds",
                    "KinderTrack calls by operation and outcome (ok, or the error's type).",
                    ["operation", "outcome"],
                    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
                )
    return _calls


class MeteredKinderTrack:
    """The KinderTrack port, timing each call and counting its outcome."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if name.startswith("_") or not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            started = time.monotonic()
            outcome = "ok"
            try:
                return attribute(*args, **kwargs)
            except Exception as error:
                outcome = type(error).__name__
                raise
            finally:
                kindertrack_calls().labels(name, outcome).observe(time.monotonic() - started)

        return call


def rollcall_registry(engine: Engine, redis_client: redis.Redis, queues: Iterable[str]) -> Any:
    """A registry holding :class:`RollcallCollector` (and, in a worker host, every
    process's metrics from the multiprocess directory)."""
    import os

    from prometheus_client import CollectorRegistry

    registry: CollectorRegistry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    registry.register(RollcallCollector(engine, redis_client, queues))
    return registry


def serve(registry: Any, port: int, host: str = "0.0.0.0") -> bool:
    """Serve ``registry`` on ``/metrics`` at ``port`` from a daemon thread.

    A port already taken (a second scheduler, a standby, on the same host) is logged and
    the process goes on without metrics: its work matters more than being watched.
    """
    from prometheus_client import start_http_server

    try:
        start_http_server(port, addr=host, registry=registry)
    except OSError as error:
        log.warning(
            "metrics not served: the port is taken",
            extra={"event": "metrics_unavailable", "port": port, "error": type(error).__name__},
        )
        return False
    log.info("metrics served", extra={"event": "metrics", "port": port})
    return True


def _registry_from_settings() -> Any:
    from core.config import get_settings
    from core.store.database import make_engine
    from workers.embedded_redis import resolve_redis_url

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url, pool_size=1, max_overflow=1)
    client = redis.Redis.from_url(resolve_redis_url(settings))
    # The queues by name, not by importing the actors: the metrics process stays small.
    return rollcall_registry(engine, client, ACTOR_QUEUES)


def serve_worker_metrics() -> int:
    """Dramatiq fork process of ``rollcall worker``: serve every worker process's metrics
    and Rollcall's on ``ROLLCALL_METRICS_PORT`` until the worker stops."""
    from core.config import get_settings
    from workers.logging import configure_logging

    configure_logging("INFO")
    serve(_registry_from_settings(), get_settings().metrics_port)
    threading.Event().wait()
    return 0


def serve_scheduler_metrics() -> None:
    """``rollcall scheduler``: Rollcall's metrics on ``ROLLCALL_SCHEDULER_METRICS_PORT``."""
    from core.config import get_settings

    serve(_registry_from_settings(), get_settings().scheduler_metrics_port)


class WorkerMetrics(Prometheus):
    """Dramatiq's Prometheus middleware, exposed by :func:`serve_worker_metrics` (with
    Rollcall's metrics) instead of Dramatiq's own server."""

    @property
    def forks(self) -> list[Callable[[], int]]:
        return [serve_worker_metrics]
