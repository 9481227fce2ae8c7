"""``rollcall worker``: which Dramatiq command line it becomes (the exec is caught), and
the pool size it hands the processes; on the real test database (its schema is checked)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from cli import commands_services
from core.config import get_settings
from workers.process_env import THREADS_ENV


class _Exec(Exception):
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv, self.env = argv, env


@pytest.fixture
def caught_exec(
    engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    def fake_execve(_path: str, argv: list[str], env: dict[str, str]) -> None:
        raise _Exec(argv, env)

    monkeypatch.setenv("ROLLCALL_DATABASE_URL", database_url)
    monkeypatch.setenv("ROLLCALL_REDIS_URL", "redis://127.0.0.1:6379/15")
    monkeypatch.setattr(os, "execve", fake_execve)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _run(**options: object) -> _Exec:
    arguments: dict[str, object] = {"processes": 2, "threads": None, "submissions": False}
    arguments.update(options)
    with pytest.raises(_Exec) as caught:
        commands_services.worker(**arguments)  # type: ignore[arg-type]
    return caught.value


def test_a_submissions_worker_consumes_that_queue_alone_with_threads_for_kindertracks_waits(
    caught_exec: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROLLCALL_SUBMISSION_THREADS", "48")
    get_settings.cache_clear()

    ran = _run(submissions=True, processes=1)

    assert ran.argv[ran.argv.index("--queues") + 1 :][:2] == ["submissions", "--skip-logging"]
    assert ran.argv[ran.argv.index("--threads") + 1] == "48"
    assert ran.argv[ran.argv.index("--processes") + 1] == "1"
    assert ran.env[THREADS_ENV] == "48"  # each process's connection pool matches


def test_the_default_worker_consumes_every_queue_with_eight_threads(caught_exec: None) -> None:
    ran = _run()

    assert "--queues" not in ran.argv
    assert ran.argv[ran.argv.index("--threads") + 1] == "8"
    assert ran.env[THREADS_ENV] == "8"
    assert _run(submissions=True, threads=12).env[THREADS_ENV] == "12"
