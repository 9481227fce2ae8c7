"""Cold start: work queued while no worker runs is all done when `rollcall worker` starts.

24 submissions approved and queued (what `rollcall submit --async` does), a report, a
registration and an import queued too, then real `rollcall worker` processes with their
default settings (2 processes × 8 threads, no scheduler to re-drive anything), and again
with 32 threads per process. Everything must be processed and nothing dead-lettered; on
PostgreSQL the workers' connections stay within what their pools allow.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine, text

from core.domain.submission import SubmissionState
from core.services import approvals, imports, schools, students, submissions
from core.services.runtime import Runtime
from kindertrack.sandbox import DEFAULT_SEED_PATH
from rollcall.bootstrap import POOL_OVERFLOW
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.integration.worker_process import ROLLCALL, wait_until
from workers.dispatch import (
    enqueue_import,
    enqueue_registration,
    enqueue_report,
    enqueue_submission,
)
from workers.queues import dead_letters, inspect_queues

pytestmark = pytest.mark.slow

#: Schools (each its own KinderTrack provider with one child) × recent closed periods = 24.
SCHOOLS = 4
PERIODS_PER_SCHOOL = 6
PROCESSES = 2
LINK_CODE = "K7PM2QXA"


def _seed(directory: Path) -> Path:
    """The default seed plus one provider and one child per school of the test."""
    seed = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
    for n in range(1, SCHOOLS + 1):
        provider_id, child_id = f"{n}{n}{n}{n}1", f"{n}{n}{n}{n}{n}1"
        seed["providers"].append(
            {"provider_id": provider_id, "name": f"School {n}", "status": "active"}
        )
        seed["children"].append(
            {
                "child_id": child_id,
                "provider_id": provider_id,
                "first_name": "Ava",
                "last_name": f"Smith{n}",
                "authorized_from": "2026-01-01",
                "authorized_to": None,
            }
        )
    path = directory / "seed.json"
    path.write_text(json.dumps(seed), encoding="utf-8")
    return path


def _queue_submissions(rt: Runtime) -> tuple[list[int], int]:
    """24 approved submissions on the queue (the last 6 closed periods × 4 schools)."""
    last = CALENDAR.last_closed(datetime.now(ZoneInfo("America/Chicago")).date())
    periods = [
        CALENDAR.containing(last.start - timedelta(days=14 * k)) for k in range(PERIODS_PER_SCHOOL)
    ]
    ids: list[int] = []
    first_school = 0
    for n in range(1, SCHOOLS + 1):
        child = f"Ava Smith{n}"
        sid = schools.add_school(rt, name=f"School {n}").id or 0
        first_school = first_school or sid
        schools.register_provider(rt, school_id=sid, provider_id=f"{n}{n}{n}{n}1", actor="t")
        students.add_student(rt, school_id=sid, name=child, child_id=f"{n}{n}{n}{n}{n}1", actor="t")
        rows = "".join(
            f"{child},{p.start + timedelta(days=1)}T08:00,{p.start + timedelta(days=1)}T15:00\n"
            for p in periods
        )
        imports.import_csv(
            rt, school_id=sid, content="student,check_in,check_out\n" + rows, actor="t"
        )
        for period in periods:
            view = approvals.approve(
                rt, school_id=sid, start=period.start, end=period.end, approved_by="U1"
            )
            enqueue_submission(view.id)
            ids.append(view.id)
    return ids, first_school


def _queue_director_work(rt: Runtime, school_id: int) -> None:
    """One of each message a director waits for: a report, a registration, an import."""
    other = schools.add_school(rt, name="Little Acorns").id or 0
    period = CALENDAR.last_closed(datetime.now(ZoneInfo("America/Chicago")).date())
    enqueue_report(school_id, period.start, period.end, destination={"user_id": "U1"})
    enqueue_registration(
        other, "54321", link_code=LINK_CODE, username=None, actor="U1", team_id=None
    )
    enqueue_import(
        school_id,
        "F0001",
        add_students=False,
        actor="U1",
        team_id="T1",
        channel_id=None,
        destination={"user_id": "U1"},
    )


def _connections(db: Engine) -> int:
    with db.connect() as connection:
        return int(
            connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            ).scalar_one()
        )


@pytest.mark.parametrize("threads", [8, 32])
def test_work_queued_before_the_workers_start_is_all_done_and_none_dead_lettered(
    threads: int,
    db: Engine,
    database_url: str,
    redis_url: str,
    redis_client: redis.Redis,
    redis_broker: RedisBroker,
    sandbox: SandboxHarness,
    tmp_path: Path,
) -> None:
    # Given work queued while no worker runs
    target = sandbox.start(seed_path=_seed(tmp_path))
    rt = Runtime(
        engine=db,
        kindertrack=sandbox.client(target),
        calendar=CALENDAR,
        clock=lambda: datetime.now(UTC),
    )
    ids, school_id = _queue_submissions(rt)
    _queue_director_work(rt, school_id)
    postgres = db.dialect.name == "postgresql"
    baseline = _connections(db) if postgres else 0
    peak = [baseline]
    watching = threading.Event()

    def watch() -> None:
        while not watching.wait(0.2):
            peak[0] = max(peak[0], _connections(db))

    # When `rollcall worker` starts (default processes; the threads under test), no scheduler
    argv = [ROLLCALL, "worker"] + ([] if threads == 8 else ["--threads", str(threads)])
    env = {
        **os.environ,
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "ROLLCALL_KINDERTRACK_URL": target.url,
        "ROLLCALL_KINDERTRACK_API_KEY": target.api_key,
        "ROLLCALL_HOME": str(tmp_path),
    }
    log_path = tmp_path / "worker.log"
    watcher = threading.Thread(target=watch, daemon=True)
    with log_path.open("wb") as log:
        worker = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    watcher.start() if postgres else None
    declared = redis_broker.get_declared_queues()

    def idle() -> bool:
        stats = inspect_queues(redis_client, known=declared)
        return all(s.depth == s.in_progress == s.delayed == 0 for s in stats)

    def all_submitted() -> bool:
        return all(
            submissions.get_submission(rt, submission_id=i).state is SubmissionState.SUBMITTED
            for i in ids
        )

    try:
        done = wait_until(lambda: all_submitted() and idle(), timeout=120, every=0.5)
    finally:
        watching.set()
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
    log_text = log_path.read_text(errors="replace")

    # Then every submission is submitted, KinderTrack holding one per period
    assert done, log_text[-4000:]
    assert target.stats()["commits"] == len(ids) == 24
    # And nothing was dead-lettered
    assert dead_letters(redis_client, declared) == [], log_text[-4000:]
    # And the director heard about the report, the registration and the import
    kinds = {
        line.get("kind")
        for line in (json.loads(raw) for raw in log_text.splitlines() if raw.startswith("{"))
        if line.get("event") == "notice"
    }
    assert {"report", "registration", "import"} <= kinds, log_text[-4000:]
    if postgres:
        # And the workers' connections stayed within their pools, under PostgreSQL's limit
        watcher.join(timeout=5)
        with db.connect() as connection:
            limit = int(connection.execute(text("SHOW max_connections")).scalar_one())
        assert peak[0] - baseline <= PROCESSES * (threads + POOL_OVERFLOW)
        assert peak[0] < limit
