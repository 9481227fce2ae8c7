"""``rollcall migrate``, ``worker``, ``scheduler``, ``queues`` and ``redrive``: the background
services and their upkeep."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from typing import TYPE_CHECKING

import typer

from workers.process_env import DEFAULT_LOCK_TTL_S, LOG_LEVEL_ENV, NAMESPACE, THREADS_ENV

if TYPE_CHECKING:  # each command imports what it uses, when it runs (a fast start)
    import redis
    from rich.table import Table

    from workers.queues import DeadLetter, QueueStats

#: Dramatiq's CLI loads this callable as its "broker": JSON logs, then the Redis broker.
WORKER_BROKER = "workers.broker:setup_worker"

#: Threads of a worker process that consumes every queue.
DEFAULT_WORKER_THREADS = 8

#: The module whose import declares every actor.
ACTORS_MODULE = "workers.actors"


#: The queue a ``--submissions`` worker consumes alone.
SUBMISSIONS_QUEUE = "submissions"


def dramatiq_argv(*, processes: int, threads: int, queues: Sequence[str] = ()) -> list[str]:
    """The command line that runs Dramatiq's worker processes for Rollcall's actors
    (every queue, or only ``queues``)."""
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
        *(["--queues", *queues] if queues else []),
        "--skip-logging",
    ]


def worker(
    processes: int = typer.Option(2, "--processes", "-p", min=1, help="Worker processes."),
    threads: int | None = typer.Option(
        None,
        "--threads",
        "-t",
        min=1,
        help="Threads per process (default 8; ROLLCALL_SUBMISSION_THREADS with --submissions).",
    ),
    submissions: bool = typer.Option(
        False,
        "--submissions",
        help="Consume only the submissions queue, with threads sized for KinderTrack's waits.",
    ),
) -> None:
    """Run Dramatiq worker processes (embedded Redis when ROLLCALL_REDIS_URL is unset).

    Refuses to start (one line, exit 1) on a database that does not answer or whose
    schema is behind: run `rollcall migrate` first.
    """
    from core.config import get_settings
    from rollcall.bootstrap import check_schema
    from workers.embedded_redis import resolve_redis_url

    settings = get_settings()
    check_schema(settings)
    metrics_dir = tempfile.mkdtemp(prefix="rollcall-metrics-")
    if threads is None:
        threads = settings.submission_threads if submissions else DEFAULT_WORKER_THREADS
    env = {
        **os.environ,
        "ROLLCALL_REDIS_URL": resolve_redis_url(settings),
        THREADS_ENV: str(threads),
        # Each worker process writes its metrics here; the metrics fork process reads them.
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        "dramatiq_prom_db": metrics_dir,
    }
    argv = dramatiq_argv(
        processes=processes, threads=threads, queues=[SUBMISSIONS_QUEUE] if submissions else ()
    )
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
    from core.config import get_settings
    from workers.logging import configure_logging
    from workers.metrics import serve_scheduler_metrics
    from workers.scheduling import run_scheduler

    configure_logging(os.environ.get(LOG_LEVEL_ENV, "INFO"))
    serve_scheduler_metrics()
    run_scheduler(get_settings(), lock_ttl_s=lock_ttl)


def queues(
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Queue depths, in-progress, delayed and dead-letter counts per queue, then the dead
    letters by actor and age (`rollcall redrive` puts them back on their queues)."""
    from rich.console import Console

    from workers.queues import dead_letters, inspect_queues

    client, declared = _queues_client()
    try:
        stats = inspect_queues(client, known=declared)
        dead = dead_letters(client, [s.queue for s in stats])
    finally:
        client.close()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "namespace": NAMESPACE,
                    "queues": [s.as_dict() for s in stats],
                    "dead_letters": [d.as_dict() for d in dead],
                }
            )
        )
        return
    console = Console()
    console.print(_queue_table(stats))
    if dead:
        console.print(_dead_table(dead))
        console.print(
            "The workers' log names each one's error (event message_failed, same message id). "
            "Re-drive them with `rollcall redrive` (--actor NAME for one actor's)."
        )


def redrive_dead(
    actor: str | None = typer.Option(None, "--actor", help="Only this actor's dead letters."),
) -> None:
    """Put dead-lettered messages back on their queues (fresh retries), oldest first."""
    from workers.broker import ensure_broker
    from workers.queues import dead_letters, redrive

    client, declared = _queues_client()
    try:
        letters = [d for d in dead_letters(client, declared) if actor is None or d.actor == actor]
        sent = redrive(client, ensure_broker(), letters)
    finally:
        client.close()
    typer.echo(f"Re-drove {sent} dead letter{'' if sent == 1 else 's'}.")


def _queues_client() -> tuple[redis.Redis, set[str]]:
    """A Redis client and the queues the actors declare (so empty queues are listed too)."""
    import redis

    import workers.actors  # noqa: F401  (declares the actors)
    from core.config import get_settings
    from workers.broker import ensure_broker
    from workers.embedded_redis import resolve_redis_url

    declared = ensure_broker().get_declared_queues()
    return redis.Redis.from_url(resolve_redis_url(get_settings())), declared


def _queue_table(stats: list[QueueStats]) -> Table:
    from rich.table import Table

    table = Table(title="Dramatiq queues")
    for column in ("queue", "depth", "in progress", "delayed", "dead letters"):
        table.add_column(column, justify="left" if column == "queue" else "right")
    for s in stats:
        counts = (s.depth, s.in_progress, s.delayed, s.dead_letters)
        table.add_row(s.queue, *(str(n) for n in counts))
    return table


def _dead_table(dead: list[DeadLetter]) -> Table:
    from rich.table import Table

    table = Table(title="Dead letters (oldest first)")
    for column in ("actor", "queue", "message", "age"):
        table.add_column(column)
    for d in dead:
        table.add_row(d.actor, d.queue, d.message_id, _age(d.age_seconds))
    return table


def _age(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m {secs}s"


def migrate() -> None:
    """Bring the database's schema up to date (a one-shot step before the services start)."""
    from core.config import get_settings
    from rollcall.bootstrap import migrate_database

    revision = migrate_database(get_settings())
    typer.echo(f"The database schema is up to date ({revision}).")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the app."""
    app.command("migrate")(migrate)
    app.command("worker")(worker)
    app.command("scheduler")(scheduler)
    app.command("queues")(queues)
    app.command("redrive")(redrive_dead)
