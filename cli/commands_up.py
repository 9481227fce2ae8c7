"""``rollcall up``: the Slack app, a worker and the scheduler in one command, for a laptop.

Starts (or reuses) the embedded Redis when ROLLCALL_REDIS_URL is unset, runs each part as
its own `rollcall` process with the same settings, and stops them all on Ctrl-C or when
one of them exits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

ROLLCALL = str(Path(sys.executable).parent / "rollcall")


def up(
    port: Annotated[int, typer.Option(help="Port of the Slack app's HTTP endpoint.")] = 3000,
    processes: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    sandbox: Annotated[
        bool, typer.Option(help="Also serve the KinderTrack sandbox at ROLLCALL_KINDERTRACK_URL.")
    ] = False,
) -> None:
    """Migrate, then run the bot, a worker and the scheduler (and the embedded Redis) until
    Ctrl-C."""
    from core.config import get_settings
    from rollcall.bootstrap import migrate_database
    from workers.embedded_redis import resolve_redis_url

    settings = get_settings()
    typer.echo(f"Migrating: the database schema is at {migrate_database(settings)}.")
    env = {**os.environ, "ROLLCALL_REDIS_URL": resolve_redis_url(settings)}
    commands = [
        [ROLLCALL, "bot", "--port", str(port)],
        [ROLLCALL, "worker", "--processes", str(processes), "--threads", "4"],
        [ROLLCALL, "scheduler"],
    ]
    if sandbox:
        sandbox_port = settings.kindertrack_url.rstrip("/").rsplit(":", 1)[-1]
        commands.insert(0, [ROLLCALL, "sandbox", "--port", sandbox_port])
    children = [subprocess.Popen(command, env=env) for command in commands]
    typer.echo(
        f"Rollcall is up: Slack endpoint http://127.0.0.1:{port}/slack/events (Ctrl-C stops)"
    )
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
    failed = [
        command[1]
        for command, child in zip(commands, children, strict=True)
        if child.returncode not in (0, -signal.SIGTERM)
    ]
    if failed and not stopping:
        typer.echo(f"Stopped because {', '.join(failed)} exited.", err=True)
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("up")(up)
