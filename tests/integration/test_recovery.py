"""A worker killed while sending: its submission is finished within a minute (issue 8,
item 3), by the production defaults (30 s lease renewed while a send is in flight, the
sweep every 10 s), with real worker and scheduler processes, Redis and the sandbox.
"""

from __future__ import annotations

import os
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine

from core.config import Settings
from core.domain.submission import SubmissionState
from core.services import approvals, submissions
from core.services.runtime import Runtime
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.integration.test_exactly_once import END, START, _school
from tests.integration.worker_process import ROLLCALL, WorkerProcess, wait_until
from workers.dispatch import enqueue_submission

pytestmark = pytest.mark.slow


def test_a_worker_killed_mid_send_is_recovered_within_a_minute(
    db: Engine,
    sandbox: SandboxHarness,
    database_url: str,
    redis_url: str,
    redis_broker: RedisBroker,
    tmp_path: Path,
) -> None:
    defaults = Settings(_env_file=None)
    assert defaults.submission_lease_seconds == 30
    slow = sandbox.start(latency_ms=4000)
    env = {
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "ROLLCALL_KINDERTRACK_URL": slow.url,
        "ROLLCALL_KINDERTRACK_API_KEY": slow.api_key,
    }
    rt = Runtime(
        engine=db,
        kindertrack=sandbox.client(slow),
        calendar=CALENDAR,
        clock=lambda: datetime.now(UTC),
    )
    sid = _school(rt)
    first = WorkerProcess(env, tmp_path / "first.log")
    second: WorkerProcess | None = None
    scheduler = subprocess.Popen(
        [ROLLCALL, "scheduler"],
        env={**os.environ, **env},
        stdout=(tmp_path / "scheduler.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        first.wait_ready(redis_url)
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
        enqueue_submission(view.id)
        # The first worker's POST is in flight (the sandbox holds it 4 s) when it dies.
        assert wait_until(lambda: slow.stats()["submission_posts"] >= 1, timeout=20)
        second = WorkerProcess(env, tmp_path / "second.log")
        second.wait_ready(redis_url)
        first.kill()
        killed_at = time.monotonic()
        assert submissions.get_submission(rt, submission_id=view.id).state is (
            SubmissionState.SUBMITTING
        )

        done = wait_until(
            lambda: (
                submissions.get_submission(rt, submission_id=view.id).state
                is SubmissionState.SUBMITTED
            ),
            timeout=70,
            every=0.5,
        )
        took = time.monotonic() - killed_at

        assert done, second.log()
        assert took < 60, f"recovered after {took:.1f} s"
        assert len(sandbox.client(slow).find_submissions("12345", START, END)) == 1
        assert slow.stats()["commits"] == 1
        print(f"recovered {took:.1f} s after SIGKILL")
    finally:
        first.stop()
        if second is not None:
            second.stop()
        scheduler.terminate()
        scheduler.wait(timeout=20)
