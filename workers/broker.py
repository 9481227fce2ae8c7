"""The Dramatiq broker: Redis, an explicit middleware list, and one retry policy.

How the broker gets set (the pattern every process follows)
-----------------------------------------------------------
Dramatiq binds an actor to the *global* broker when the actor is declared, so
the broker must be set before ``workers.actors`` is imported:

* ``workers/actors.py`` calls :func:`ensure_broker` at the top. It keeps a
  broker that is already set, and otherwise sets the Redis broker from
  settings (``ROLLCALL_REDIS_URL``, or the shared embedded Redis, started if
  needed). So ``import workers.actors`` works in the CLI, the bot and the
  scheduler, and importing it does touch Redis: import it lazily in commands
  that do not send messages.
* ``rollcall worker`` runs Dramatiq's CLI with ``workers.broker:setup_worker``
  as its broker argument: each worker process configures JSON logging and sets
  the Redis broker before Dramatiq imports ``workers.actors``.
* Tests swap in a ``StubBroker`` with :func:`use_broker`, which also moves the
  actors already declared on the previous broker, so the import order of
  ``workers.actors`` does not matter (see the ``stub_broker`` fixture).

Retry policy
------------
:class:`~dramatiq.middleware.Retries` is configured with ``retry_when=``
:func:`should_retry`: a failed message is retried only when its exception says
it is safe (``exception.retryable`` is true, e.g. ``KinderTrackUnavailable`` or
``OutcomeUnknown``, an infrastructure hiccup such as a database or Redis that
does not answer (``workers.failures.is_transient``), or an explicit
``dramatiq.Retry``) and fewer than
:data:`MAX_RETRIES` retries were made, with exponential backoff from
:data:`MIN_BACKOFF_MS` up to :data:`MAX_BACKOFF_MS`. Every other exception,
notably a KinderTrack 4xx answer (``KinderTrackError`` with
``retryable=False``), fails the message at once (it goes to the dead-letter
queue, and ``workers.failures.AnswerFailures`` tells the director what did not
happen). Because ``retry_when`` takes precedence over ``max_retries`` in
Dramatiq, the cap lives in :func:`should_retry`. The database, not the queue,
records what is owed (docs/ARCHITECTURE.md): a message lost or dead-lettered is re-driven
by the periodic sweep.
"""

from __future__ import annotations

import os

import dramatiq
import dramatiq.broker
from dramatiq import Broker
from dramatiq.brokers.redis import (
    DEFAULT_DEAD_MESSAGE_TTL,
    DEFAULT_HEARTBEAT_TIMEOUT,
    DEFAULT_MAINTENANCE_CHANCE,
    RedisBroker,
)
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    CurrentMessage,
    Middleware,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from core.config import Settings, get_settings
from core.ports import Notifier
from workers.embedded_redis import resolve_redis_url
from workers.failures import AnswerFailures, is_transient
from workers.logging import configure_logging
from workers.process_env import DEFAULT_THREADS, LOG_LEVEL_ENV, NAMESPACE, THREADS_ENV

#: Retries after the first attempt, for exceptions that are safe to retry.
MAX_RETRIES = 8

#: Backoff before the first retry; it doubles (with jitter) on each retry.
MIN_BACKOFF_MS = 5_000

#: The longest wait between two retries.
MAX_BACKOFF_MS = 10 * 60_000

#: A message running longer than this is interrupted (a KinderTrack call times out far sooner).
TIME_LIMIT_MS = 5 * 60_000


def should_retry(
    retries_so_far: int, exception: BaseException, *, max_retries: int = MAX_RETRIES
) -> bool:
    """Retry only what is safe to retry: ``exception.retryable`` true (or ``dramatiq.Retry``).

    ``retries_so_far`` is the number of retries already made (0 after the first
    failure), as Dramatiq's ``retry_when`` passes it.
    """
    if retries_so_far >= max_retries:
        return False
    if isinstance(exception, dramatiq.Retry) or is_transient(exception):
        return True
    return bool(getattr(exception, "retryable", False))


def _worker_notifier() -> Notifier:
    from workers.runtime import runtime

    return runtime().notifier


def build_middleware() -> list[Middleware]:
    """Dramatiq's middleware, listed explicitly with Rollcall's defaults.

    * ``AgeLimit()``: no age limit by default (``max_age`` per actor if needed);
      a submission message must not silently expire.
    * ``TimeLimit(time_limit=TIME_LIMIT_MS)``: 5 minutes per message.
    * ``ShutdownNotifications()``: actors may opt in to be told of a shutdown.
    * ``Callbacks()``, ``Pipelines()``: ``on_success``/``on_failure`` and pipes.
    * ``AnswerFailures``: a message that fails for good is answered to the director
      (``workers.failures``).
    * ``Retries(...)``: the policy of :func:`should_retry` (see module docstring).
    * ``CurrentMessage()``: actors can log their ``message_id``.
    """
    return [
        AgeLimit(),
        TimeLimit(time_limit=TIME_LIMIT_MS),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        AnswerFailures(_worker_notifier),
        Retries(
            max_retries=MAX_RETRIES,
            min_backoff=MIN_BACKOFF_MS,
            max_backoff=MAX_BACKOFF_MS,
            retry_when=should_retry,
        ),
        CurrentMessage(),
    ]


def build_broker(
    url: str,
    *,
    namespace: str = NAMESPACE,
    heartbeat_timeout_ms: int = DEFAULT_HEARTBEAT_TIMEOUT,
    dead_message_ttl_ms: int = DEFAULT_DEAD_MESSAGE_TTL,
    maintenance_chance: int = DEFAULT_MAINTENANCE_CHANCE,
) -> RedisBroker:
    """A Redis broker on ``url`` with :func:`build_middleware` (does not set it globally).

    Defaults are Dramatiq's: a worker is presumed dead after 60 s without a
    heartbeat, dead letters are kept 7 days, and about one command in a
    thousand runs the maintenance that re-queues a dead worker's messages.
    Connecting is lazy: nothing touches Redis until the first command.
    """
    return RedisBroker(
        url=url,
        middleware=build_middleware(),
        namespace=namespace,
        heartbeat_timeout=heartbeat_timeout_ms,
        dead_message_ttl=dead_message_ttl_ms,
        maintenance_chance=maintenance_chance,
    )


def use_broker(broker: Broker) -> Broker:
    """Make ``broker`` the global broker and move already-declared actors onto it.

    Moving the actors lets a test (or a process) switch brokers after
    ``workers.actors`` was imported: ``actor.send`` then goes to ``broker``.
    """
    previous = dramatiq.broker.global_broker
    dramatiq.set_broker(broker)
    if previous is not None and previous is not broker:
        for name in previous.get_declared_actors():
            actor = previous.get_actor(name)
            actor.broker = broker
            broker.declare_actor(actor)
    return broker


def setup_broker(settings: Settings | None = None) -> RedisBroker:
    """Set the global broker to Redis at the settings' URL (embedded Redis if unset)."""
    broker = build_broker(resolve_redis_url(settings or get_settings()))
    use_broker(broker)
    return broker


def ensure_broker() -> Broker:
    """The global broker, setting the Redis one from settings if none is set yet.

    Called by ``workers/actors.py`` before it declares actors. Unlike
    ``dramatiq.get_broker()`` it never falls back to a RabbitMQ/Redis broker on
    localhost.
    """
    if dramatiq.broker.global_broker is None:
        setup_broker()
    return dramatiq.get_broker()


def setup_worker() -> None:
    """The broker callable given to Dramatiq's CLI by ``rollcall worker``.

    Runs in each worker process before ``workers.actors`` is imported and before any
    thread takes a message: JSON logs on stderr (level from ``ROLLCALL_LOG_LEVEL``), the
    process's Runtime (its database pool sized to ``ROLLCALL_WORKER_THREADS``), then the
    Redis broker with Prometheus metrics (``workers.metrics``).
    """
    from workers import runtime
    from workers.metrics import WorkerMetrics

    configure_logging(os.environ.get(LOG_LEVEL_ENV, "INFO"))
    runtime.boot(int(os.environ.get(THREADS_ENV, DEFAULT_THREADS)))
    setup_broker().add_middleware(WorkerMetrics())
