"""``rollcall worker``, ``rollcall scheduler`` and ``rollcall queues``: the background services."""

from __future__ import annotations

import json
import os
import sys

import redis
import typer
from rich.console import Console
from rich.table import Table

from core.config import get_settings
from workers.broker import LOG_LEVEL_ENV, NAMESPACE
from workers.embedded_redis import resolve_redis_url
from workers.logging import configure_logging
from workers.queues import QueueStats, inspect_queues
from workers.scheduling import DEFAULT_LOCK_TTL_S, run_scheduler

#: Dramatiq's CLI loads this callable as its "broker": JSON logs, then the Redis broker.
WORKER_BROKER = "workers.broker:setup_worker"

#: The module whose import declares every actor.
ACTORS_MODULE = "workers.actors"


def dramatiq_argv(*, processes: int, threads: int) -> list[str]:
    """The command line that runs Dramatiq's worker processes for Rollcall's actors."""
    return [
        sys.executable,
        "-m",
        "dramatiq",
        WORKER_BROKER,
        ACTORS_MODULE,
        "--processes",
        str(processes),
        "--threads",
        str(threads),
        "--skip-logging",
    ]


def worker(
    processes: int = typer.Option(2, "--processes", "-p", min=1, help="Worker processes."),
    threads: int = typer.Option(8, "--threads", "-t", min=1, help="Threads per process."),
) -> None:
    """Run Dramatiq worker processes (embedded Redis when ROLLCALL_REDIS_URL is unset)."""
    url = resolve_redis_url(get_settings())
    env = {**os.environ, "ROLLCALL_REDIS_URL": url}
    argv = dramatiq_argv(processes=processes, threads=threads)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)


def scheduler(
    lock_ttl: float = typer.Option(
        DEFAULT_LOCK_TTL_S,
        "--lock-ttl",
        min=1.0,
        help="Seconds before a standby scheduler takes over from a dead one.",
    ),
) -> None:
    """Send the periodic messages (stuck-submission sweep, reminders); one leader at a time."""
    configure_logging(os.environ.get(LOG_LEVEL_ENV, "INFO"))
    run_scheduler(get_settings(), lock_ttl_s=lock_ttl)


def queues(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Queue depths, in-progress, delayed and dead-letter counts per queue."""
    import workers.actors  # noqa: F401  (declares the actors, so empty queues are listed too)
    from workers.broker import ensure_broker

    client = redis.Redis.from_url(resolve_redis_url(get_settings()))
    try:
        stats = inspect_queues(client, known=ensure_broker().get_declared_queues())
    finally:
        client.close()
    if as_json:
        typer.echo(json.dumps({"namespace": NAMESPACE, "queues": [s.as_dict() for s in stats]}))
        return
    _print_table(stats)


def _print_table(stats: list[QueueStats]) -> None:
    table = Table(title="Dramatiq queues")
    for column in ("queue", "depth", "in progress", "delayed", "dead letters"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for s in stats:
        counts = (s.depth, s.in_progress, s.delayed, s.dead_letters)
        table.add_row(s.queue, *(str(n) for n in counts))
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)
    app.command("queues")(queues)
