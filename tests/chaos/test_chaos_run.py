"""A short chaos run in CI: a few seeded trials of real processes and faults on the suite's
database backend (PostgreSQL when ROLLCALL_TEST_DATABASE_URL names a server), each
exactly-once. ``make chaos`` runs as many as you like."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.chaos.trial import run_trials

pytestmark = pytest.mark.slow

TRIALS = 3
SEED = 20261201


def test_a_short_chaos_run_is_exactly_once(tmp_path: Path) -> None:
    server = os.environ.get("ROLLCALL_TEST_DATABASE_URL", "")
    backend = "postgres" if server else "sqlite"
    lines: list[str] = []

    results = run_trials(TRIALS, SEED, backend, tmp_path, server, echo=lines.append)

    assert len(results) == TRIALS
    assert (
        lines[-1]
        == f"chaos: {sum(r.ok for r in results)}/{TRIALS} trials exactly-once (seed {SEED})"
    )
    assert all(r.ok for r in results), "\n".join(lines)
