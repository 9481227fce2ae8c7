"""The composition root: wire settings, the database, KinderTrack and a notifier into a
``Runtime`` for each process role, once, when the process starts.

* a worker process: :func:`boot_worker`, called by Dramatiq's broker hook
  (``workers.broker.setup_worker``) before any thread takes a message; its pool holds one
  connection per thread (:func:`pool_options`);
* the Slack app: :func:`build_runtime` at ``rollcall bot`` start, after
  :func:`require_current_schema`;
* the command line: :func:`build_cli_runtime`, which migrates first (a one-shot command,
  under the migration lock, so a first ``rollcall school add`` on a laptop just works).

Long-running services never migrate: ``rollcall migrate`` (a one-shot step, the compose
``migrate`` service, ``rollcall up``, the demo) does, and a service that finds the schema
behind says so in one line and exits non-zero. Tests build their own ``Runtime`` with
fakes or real adapters as they need.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from core.config import Settings, get_settings
from core.domain.pay_periods import PayPeriodCalendar
from core.errors import RollcallError
from core.ports import KinderTrack, Notifier
from core.services.runtime import CollectingNotifier, Runtime
from core.store.database import make_engine, migrate, schema_state

#: Connections a pool may open beyond one per thread: a thread that reads the Slack
#: installation store while it holds a session takes a second one for a moment.
POOL_OVERFLOW = 2


class SchemaBehind(RollcallError):
    """The database has not been migrated to what this code needs."""


class DatabaseUnreachable(RollcallError):
    """The database did not answer a service about to start."""


def pool_options(url: str, threads: int | None) -> dict[str, Any]:
    """A pool of one connection per thread (plus :data:`POOL_OVERFLOW`), so a process
    opens at most ``threads + POOL_OVERFLOW`` connections and no thread waits for one."""
    in_memory = make_url(url).get_backend_name() == "sqlite" and ":memory:" in url
    if threads is None or in_memory:  # an in-memory SQLite has one connection per thread
        return {}
    return {"pool_size": threads, "max_overflow": POOL_OVERFLOW, "pool_timeout": 30}


@lru_cache(maxsize=8)
def engine_for(url: str, threads: int | None = None) -> Engine:
    """One engine (and pool) per database URL per process; connects on first use."""
    return make_engine(url, **pool_options(url, threads))


def require_current_schema(engine: Engine) -> None:
    """Refuse to serve on a schema older (or newer) than this code's migrations."""
    state = schema_state(engine)
    if not state.up_to_date:
        raise SchemaBehind(state.describe())


def kindertrack_for(settings: Settings) -> KinderTrack:
    from kindertrack.client import HttpKinderTrack

    return HttpKinderTrack.from_settings(settings)


def calendar_for(settings: Settings) -> PayPeriodCalendar:
    return PayPeriodCalendar(settings.pay_period_anchor, settings.pay_period_days)


def notifier_for_worker(
    settings: Settings, *, runtime: Callable[[], Runtime] | None = None
) -> Notifier:
    """Slack when the app is configured (a bot token or an OAuth install), else logs.
    ``runtime`` is the process's (a worker's by default)."""
    if settings.slack_bot_token or (settings.slack_client_id and settings.slack_client_secret):
        from bot.notifier import SlackNotifier

        return SlackNotifier.from_settings(settings, runtime=runtime)
    from workers.notifier import LoggingNotifier

    return LoggingNotifier()


def build_runtime(
    settings: Settings | None = None,
    *,
    notifier: Notifier | None = None,
    kindertrack: KinderTrack | None = None,
    threads: int | None = None,
) -> Runtime:
    """A Runtime from settings; ``threads`` sizes the database pool for that many threads."""
    settings = settings or get_settings()
    return Runtime(
        engine=engine_for(settings.resolved_database_url, threads),
        kindertrack=kindertrack or kindertrack_for(settings),
        calendar=calendar_for(settings),
        notifier=notifier or CollectingNotifier(),
        default_timezone=settings.default_timezone,
        submission_lease=timedelta(seconds=settings.submission_lease_seconds),
        undo_window=timedelta(seconds=settings.undo_seconds),
        absence_allowance=settings.absence_days_per_month,
    )


def build_cli_runtime(settings: Settings | None = None) -> Runtime:
    """The command line's Runtime, on a migrated database (one thread, one migrator).

    The schema is read first, so commands on an up-to-date database (the usual case) never
    take the migration lock, which on SQLite is the database's write lock.
    """
    rt = build_runtime(settings)
    if not schema_state(rt.engine).up_to_date:
        migrate(rt.engine)
    return rt


def build_worker_runtime(settings: Settings, threads: int) -> Runtime:
    """A worker process's Runtime: the worker's notifier, a pool for ``threads``, and the
    KinderTrack adapter timed for the metrics."""
    from workers.metrics import MeteredKinderTrack

    return build_runtime(
        settings,
        notifier=notifier_for_worker(settings),
        kindertrack=cast(KinderTrack, MeteredKinderTrack(kindertrack_for(settings))),
        threads=threads,
    )


def migrate_database(settings: Settings | None = None) -> str:
    """``rollcall migrate``: bring the schema to head; returns the revision now current."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        migrate(engine)
        return ", ".join(schema_state(engine).current)
    finally:
        engine.dispose()


def check_schema(settings: Settings | None = None) -> None:
    """For a service about to start: raise :class:`SchemaBehind` (one line) if behind."""
    settings = settings or get_settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        require_current_schema(engine)
    except OperationalError as error:
        where = make_url(settings.resolved_database_url).render_as_string(hide_password=True)
        raise DatabaseUnreachable(
            f"The database at {where} did not answer ({type(error.orig).__name__})."
        ) from error
    finally:
        engine.dispose()
