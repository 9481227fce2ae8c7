"""Each process imports what its role uses, so a command starts in a fraction of a second:
``rollcall --help`` and a command's ``--help`` load no database, queue, HTTP, Slack or
locale library; the sandbox serves without them; a worker process loads no Alembic, Slack
(no token), scheduler or command-line library; the metrics name the actors' queues
without importing the actors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from dramatiq import Actor

from workers.process_env import ACTOR_QUEUES

#: What no command's start-up needs: each is loaded by the command that uses it.
HEAVY = {
    "alembic",
    "apscheduler",
    "babel",
    "dramatiq",
    "httpx",
    "prometheus_client",
    "pydantic_settings",
    "redis",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "sqlmodel",
}


def _loaded_after(code: str, env: dict[str, str] | None = None) -> set[str]:
    """The top-level packages a fresh interpreter holds after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("argv", [["--help"], ["submit", "--help"], ["worker", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    code = f"from cli.main import app\ntry:\n    app({argv!r})\nexcept SystemExit:\n    pass"

    assert _loaded_after(code) & HEAVY == set()


def test_the_sandbox_serves_without_the_applications_libraries() -> None:
    assert _loaded_after("import cli.commands_sandbox, kindertrack.sandbox") & HEAVY == set()


def test_a_worker_process_loads_no_migration_slack_scheduler_or_cli_library(
    tmp_path: Path,
) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "ROLLCALL_HOME": str(tmp_path),
        "ROLLCALL_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
        "ROLLCALL_REDIS_URL": "redis://127.0.0.1:6379/15",  # connected on first use only
        "ROLLCALL_LOG_LEVEL": "WARNING",
    }
    code = "from workers.broker import setup_worker\nsetup_worker()\nimport workers.actors"

    loaded = _loaded_after(code, env)

    assert {"dramatiq", "sqlalchemy", "httpx"} <= loaded  # what it does use, so the probe ran
    assert loaded & {"alembic", "slack_bolt", "slack_sdk", "apscheduler", "typer"} == set()


def test_the_metrics_queue_list_is_the_actors_queues() -> None:
    import workers.actors

    consumed = {
        actor.queue_name for actor in vars(workers.actors).values() if isinstance(actor, Actor)
    }

    assert consumed == ACTOR_QUEUES
