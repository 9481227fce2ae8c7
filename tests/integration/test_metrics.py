"""The workers' and the scheduler's Prometheus metrics, scraped from real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from core.domain.submission import SubmissionState
from core.services import approvals, imports, schools, students, submissions
from core.services.runtime import Runtime
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.integration.worker_process import ROLLCALL, wait_until
from workers.dispatch import enqueue_submission

pytestmark = pytest.mark.slow

CSV = "student,check_in,check_out\nAva Smith,2026-11-09T08:00,2026-11-09T16:30\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _samples(url: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, by name and labels (empty when nothing answers yet)."""
    try:
        text = httpx.get(url, timeout=5).text
    except httpx.HTTPError:
        return {}
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_workers_and_the_scheduler_serve_rollcalls_and_dramatiqs_metrics(
    db: Engine,
    database_url: str,
    redis_url: str,
    redis_client: redis.Redis,
    redis_broker: RedisBroker,
    sandbox: SandboxHarness,
    tmp_path: Path,
    processes: list[subprocess.Popen[bytes]],
) -> None:
    # Given an approved submission on the queue
    rt = Runtime(
        engine=db, kindertrack=sandbox.client(), calendar=CALENDAR, clock=lambda: datetime.now(UTC)
    )
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    period = CALENDAR.containing(datetime(2026, 11, 9).date())
    view = approvals.approve(rt, school_id=sid, start=period.start, end=period.end, approved_by="U")
    enqueue_submission(view.id)

    # When a worker and a scheduler run with their metrics ports
    worker_port, scheduler_port = _free_port(), _free_port()
    env = {
        **os.environ,
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "ROLLCALL_KINDERTRACK_URL": sandbox.url,
        "ROLLCALL_KINDERTRACK_API_KEY": sandbox.api_key,
        "ROLLCALL_HOME": str(tmp_path),
        "ROLLCALL_METRICS_PORT": str(worker_port),
        "ROLLCALL_SCHEDULER_METRICS_PORT": str(scheduler_port),
    }
    log = (tmp_path / "processes.log").open("wb")
    for command in (["worker", "--processes", "1", "--threads", "2"], ["scheduler"]):
        processes.append(
            subprocess.Popen(
                [ROLLCALL, *command], env=env, stdout=log, stderr=log, start_new_session=True
            )
        )
    assert wait_until(
        lambda: (
            submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.SUBMITTED
        ),
        timeout=60,
    ), (tmp_path / "processes.log").read_text()[-3000:]

    # Then the workers' scrape holds Dramatiq's counts, KinderTrack's calls and Rollcall's own
    worker_url = f"http://127.0.0.1:{worker_port}/metrics"
    done = (
        "dramatiq_messages_total",
        frozenset({("queue_name", "submissions"), ("actor_name", "submit_submission")}),
    )
    assert wait_until(lambda: _samples(worker_url).get(done) == 1.0, timeout=30), (
        tmp_path / "processes.log"
    ).read_text()[-3000:]
    scraped = _samples(worker_url)
    sent = (
        "rollcall_kindertrack_call_seconds_count",
        frozenset({("operation", "submit_attendance"), ("outcome", "ok")}),
    )
    assert scraped[sent] == 1.0
    assert scraped[("rollcall_submissions", frozenset({("state", "submitted")}))] == 1.0
    assert scraped[("rollcall_submissions", frozenset({("state", "approved")}))] == 0.0
    age = ("rollcall_submission_oldest_age_seconds", frozenset({("state", "submitting")}))
    assert scraped[age] == 0.0
    assert scraped[("rollcall_dead_letters", frozenset({("queue", "submissions")}))] == 0.0

    # And the scheduler serves Rollcall's own
    scheduler_url = f"http://127.0.0.1:{scheduler_port}/metrics"
    assert wait_until(lambda: bool(_samples(scheduler_url)), timeout=30)
    from_scheduler = _samples(scheduler_url)
    assert from_scheduler[("rollcall_submissions", frozenset({("state", "submitted")}))] == 1.0
    assert ("rollcall_dead_letters", frozenset({("queue", "reports")})) in from_scheduler
