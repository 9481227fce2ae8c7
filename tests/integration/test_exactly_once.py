"""Exactly-once submission under crashes, duplicates and a flaky KinderTrack (issue: workers).

Real worker processes (`rollcall worker`) on the real Redis, the real database, and the
KinderTrack sandbox over HTTP. At the end of each test KinderTrack holds exactly one
submission (or none, for a refusal) and the database agrees.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from subprocess import PIPE

import dramatiq
import dramatiq.broker
import pytest
import redis
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import Engine
from sqlmodel import select

from core.domain.submission import SubmissionState
from core.errors import UndoTooLate
from core.messages import ALREADY_SUBMITTED
from core.services import approvals, imports, schools, students, submissions
from core.services.runtime import Runtime
from core.store.tables import PayPeriodRow, Registration, Submission
from kindertrack.sandbox import RunningSandbox
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.integration.worker_process import ROLLCALL, WorkerProcess, wait_until
from workers.broker import build_broker, use_broker
from workers.dispatch import enqueue_submission
from workers.embedded_redis import start_embedded_redis, stop_embedded_redis

pytestmark = pytest.mark.slow

START, END = date(2026, 11, 8), date(2026, 11, 21)
CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"
    "Jose Nunez,2026-11-10T07:30,2026-11-10T15:00\n"
)
LEASE_S = 6
DEADLINE_S = 5
UNDO_S = 2
"""The workers' undo window (ROLLCALL_UNDO_SECONDS), shortened from a minute."""


def _runtime(db: Engine, target: RunningSandbox, harness: SandboxHarness) -> Runtime:
    return Runtime(
        engine=db,
        kindertrack=harness.client(target),
        calendar=CALENDAR,
        clock=lambda: datetime.now(UTC),
        undo_window=timedelta(seconds=UNDO_S),
    )


def _school(rt: Runtime, *, provider_id: str = "12345", verify: bool = True) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    if verify:
        schools.register_provider(rt, school_id=sid, provider_id=provider_id, actor="test")
    else:
        # Recorded without asking KinderTrack (an inactive provider is refused there), with
        # the provider's periods cached as registration would have.
        with rt.session() as session:
            session.add(
                Registration(
                    school_id=sid,
                    provider_id=provider_id,
                    provider_name="x",
                    periods_from=START - timedelta(days=120),
                    periods_to=END + timedelta(days=120),
                    periods_checked_at=datetime.now(UTC),
                )
            )
            session.add(PayPeriodRow(school_id=sid, start=START, end=END))
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    students.add_student(rt, school_id=sid, name="Jose Nunez", child_id="234567", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


@pytest.fixture
def start_worker(
    database_url: str, redis_url: str, redis_broker: RedisBroker, db: Engine, tmp_path: Path
) -> Iterator[Callable[[RunningSandbox], WorkerProcess]]:
    """Start real worker processes against a given sandbox; all are stopped after the test."""
    started: list[WorkerProcess] = []

    def start(target: RunningSandbox) -> WorkerProcess:
        env = {
            "ROLLCALL_DATABASE_URL": database_url,
            "ROLLCALL_REDIS_URL": redis_url,
            "ROLLCALL_KINDERTRACK_URL": target.url,
            "ROLLCALL_KINDERTRACK_API_KEY": target.api_key,
            "ROLLCALL_SUBMISSION_LEASE_SECONDS": str(LEASE_S),
            "ROLLCALL_SWEEP_IDLE_SECONDS": "2",
            "ROLLCALL_UNDO_SECONDS": str(UNDO_S),
            "ROLLCALL_KINDERTRACK_TIMEOUT": "20",
            "ROLLCALL_KINDERTRACK_DEADLINE_SECONDS": str(DEADLINE_S),
        }
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        worker.wait_ready(redis_url)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _state(rt: Runtime, submission_id: int) -> SubmissionState:
    return submissions.get_submission(rt, submission_id=submission_id).state


def _sweep_until_done(rt: Runtime, submission_id: int, *, timeout: float) -> bool:
    """Send the scheduler's sweep every second (its production interval is a minute)."""
    from workers.actors import sweep_stuck_submissions

    def done() -> bool:
        if _state(rt, submission_id) in (SubmissionState.SUBMITTED, SubmissionState.REJECTED):
            return True
        sweep_stuck_submissions.send()
        return False

    return wait_until(done, timeout=timeout, every=1.0)


def _open_rows(rt: Runtime) -> list[Submission]:
    with rt.session() as session:
        return list(session.exec(select(Submission).where(Submission.state != "rejected")))


def test_fifty_concurrent_approvals_submit_once(
    db: Engine, sandbox: SandboxHarness, start_worker: Callable[[RunningSandbox], WorkerProcess]
) -> None:
    rt = _runtime(db, sandbox.main, sandbox)
    sid = _school(rt)
    barrier = threading.Barrier(50)
    ids: list[int] = []
    failures: list[BaseException] = []

    def click() -> None:
        try:
            barrier.wait(timeout=30)
            view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
            enqueue_submission(view.id)
            ids.append(view.id)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=click) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(ids) == 50
    assert len(set(ids)) == 1
    # The worker starts with 50 messages for the one submission waiting in Redis.
    start_worker(sandbox.main)
    assert wait_until(lambda: _state(rt, ids[0]) is SubmissionState.SUBMITTED, timeout=30)
    assert len(sandbox.client().find_submissions("12345", START, END)) == 1
    assert sandbox.stats()["commits"] == 1
    assert len(_open_rows(rt)) == 1


def test_an_undo_racing_the_workers_claim_ends_withdrawn_or_sent_never_both(
    db: Engine, sandbox: SandboxHarness, start_worker: Callable[[RunningSandbox], WorkerProcess]
) -> None:
    """A director presses Undo ever closer to (and past) the moment a real worker process
    claims the approval: each Undo either withdraws it (and nothing is ever sent for it)
    or is refused because the worker took it (and it is sent once)."""
    rt = _runtime(db, sandbox.main, sandbox)
    sid = _school(rt)
    start_worker(sandbox.main)
    outcomes: list[str] = []
    for offset in (-0.5, -0.1, -0.02, 0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 3.0):
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
        enqueue_submission(view.id, undo_window=rt.undo_window)
        approved_at = view.approved_at.replace(tzinfo=view.approved_at.tzinfo or UTC)
        edge = approved_at + rt.undo_window
        time.sleep(max(0.0, (edge - datetime.now(UTC)).total_seconds() + offset))
        try:
            withdrawn = approvals.withdraw(rt, school_id=sid, start=START, end=END)
        except UndoTooLate:
            outcomes.append("refused")
            break
        assert withdrawn is not None and withdrawn.state is SubmissionState.DRAFT
        assert sandbox.client().find_submissions("12345", START, END) == []
        outcomes.append("withdrawn")

    # The race was run on both sides: withdrawals first, then a refusal once it was taken
    assert outcomes[0] == "withdrawn" and outcomes[-1] == "refused", outcomes
    [sent] = {row.id or 0 for row in _open_rows(rt)}
    assert wait_until(lambda: _state(rt, sent) is SubmissionState.SUBMITTED, timeout=30)
    # Every withdrawn approval's delayed message came and went: still exactly one send
    time.sleep(UNDO_S + 1)
    assert len(sandbox.client().find_submissions("12345", START, END)) == 1
    assert sandbox.stats()["commits"] == 1
    assert len(_open_rows(rt)) == 1


def test_worker_killed_mid_request_is_finished_by_the_sweep(
    db: Engine, sandbox: SandboxHarness, start_worker: Callable[[RunningSandbox], WorkerProcess]
) -> None:
    slow = sandbox.start(latency_ms=2500)
    rt = _runtime(db, slow, sandbox)
    sid = _school(rt)
    first = start_worker(slow)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    enqueue_submission(view.id)
    assert wait_until(lambda: slow.stats()["submission_posts"] >= 1, timeout=20)

    first.kill()
    assert _state(rt, view.id) is SubmissionState.SUBMITTING
    start_worker(slow)

    assert _sweep_until_done(rt, view.id, timeout=LEASE_S + 30)
    assert _state(rt, view.id) is SubmissionState.SUBMITTED
    assert slow.stats()["commits"] == 1
    assert len(sandbox.client(slow).find_submissions("12345", START, END)) == 1


def test_a_dropped_answer_is_reconciled_without_resending(
    db: Engine, sandbox: SandboxHarness, start_worker: Callable[[RunningSandbox], WorkerProcess]
) -> None:
    dropping = sandbox.start(drop_after_commit_rate=1.0)
    rt = _runtime(db, dropping, sandbox)
    sid = _school(rt)
    start_worker(dropping)

    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    enqueue_submission(view.id)

    assert wait_until(lambda: _state(rt, view.id) is SubmissionState.SUBMITTED, timeout=30)
    stats = dropping.stats()
    assert stats["drops"] == 1
    assert stats["submission_posts"] == 1
    assert stats["commits"] == 1
    found = sandbox.client(dropping).find_submissions("12345", START, END)
    assert [f.submission_id for f in found] == [
        submissions.get_submission(rt, submission_id=view.id).kindertrack_submission_id
    ]


def test_503s_for_a_while_then_success(
    db: Engine,
    sandbox: SandboxHarness,
    start_worker: Callable[[RunningSandbox], WorkerProcess],
    tmp_path: Path,
) -> None:
    state = tmp_path / "kt-state.json"
    failing = sandbox.start(fail_rate=1.0, state_path=state)
    port = failing.port
    rt = _runtime(db, sandbox.main, sandbox)
    sid = _school(rt)
    start_worker(failing)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    enqueue_submission(view.id)
    assert wait_until(lambda: failing.stats()["failures_injected"] >= 4, timeout=30)
    assert _state(rt, view.id) in (SubmissionState.APPROVED, SubmissionState.SUBMITTING)

    failing.stop()
    healthy = sandbox.start(port=port, state_path=state)

    assert _sweep_until_done(rt, view.id, timeout=40)
    assert _state(rt, view.id) is SubmissionState.SUBMITTED
    assert healthy.stats()["commits"] == 1


def test_a_message_lost_with_a_redis_without_persistence_is_redriven_by_the_sweep(
    db: Engine,
    sandbox: SandboxHarness,
    start_worker: Callable[[RunningSandbox], WorkerProcess],
    redis_client: redis.Redis,
) -> None:
    rt = _runtime(db, sandbox.main, sandbox)
    sid = _school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    enqueue_submission(view.id)
    assert (
        redis_client.llen("dramatiq:submissions") + redis_client.hlen("dramatiq:submissions.msgs")
        >= 1
    )

    redis_client.flushdb()  # a Redis restart without persistence: the queued message is gone
    start_worker(sandbox.main)

    assert _sweep_until_done(rt, view.id, timeout=30)
    assert _state(rt, view.id) is SubmissionState.SUBMITTED
    assert sandbox.stats()["commits"] == 1


def test_an_inactive_provider_is_rejected_at_once_without_retry(
    db: Engine, sandbox: SandboxHarness, start_worker: Callable[[RunningSandbox], WorkerProcess]
) -> None:
    rt = _runtime(db, sandbox.main, sandbox)
    sid = _school(rt, provider_id="54321", verify=False)
    start_worker(sandbox.main)

    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    enqueue_submission(view.id)

    assert wait_until(lambda: _state(rt, view.id) is SubmissionState.REJECTED, timeout=30)
    final = submissions.get_submission(rt, submission_id=view.id)
    assert final.error == "Inactive KinderTrack provider ID."
    assert not wait_until(lambda: sandbox.stats()["submission_posts"] > 1, timeout=3)
    assert sandbox.stats()["commits"] == 0


def test_concurrent_submit_async_commands_submit_once(
    db: Engine,
    sandbox: SandboxHarness,
    start_worker: Callable[[RunningSandbox], WorkerProcess],
    database_url: str,
    redis_url: str,
) -> None:
    rt = _runtime(db, sandbox.main, sandbox)
    _school(rt)
    start_worker(sandbox.main)
    env = {
        **os.environ,
        "ROLLCALL_DATABASE_URL": database_url,
        "ROLLCALL_REDIS_URL": redis_url,
        "ROLLCALL_KINDERTRACK_URL": sandbox.url,
        "ROLLCALL_KINDERTRACK_API_KEY": sandbox.api_key,
    }
    command = [ROLLCALL, "submit", "Sunny Days", "--from", str(START), "--to", str(END), "--yes"]

    runs = [
        subprocess.Popen([*command, "--async"], env=env, stdout=PIPE, stderr=PIPE, text=True)
        for _ in range(10)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]

    # Each command either handed the one submission to the workers, or came after the
    # worker had sent it and was refused with KinderTrack's words.
    accepted = [out for run, (out, _) in zip(runs, outputs, strict=True) if run.returncode == 0]
    refused = [err for run, (_, err) in zip(runs, outputs, strict=True) if run.returncode != 0]
    assert accepted, outputs
    assert all(ALREADY_SUBMITTED in err for err in refused), refused
    ids = {out.split()[1] for out in accepted}
    assert len(ids) == 1

    def status() -> dict[str, object]:
        status_command = [ROLLCALL, "status", "Sunny Days", "--from", str(START), "--to", str(END)]
        done = subprocess.run(
            [*status_command, "--json"], env=env, capture_output=True, text=True, check=True
        )
        return dict(json.loads(done.stdout))

    assert wait_until(lambda: status()["state"] == "submitted", timeout=30, every=0.5)
    assert str(status()["submission_id"]) in ids
    assert sandbox.stats()["commits"] == 1


def test_a_real_redis_restart_keeps_the_queued_submission(
    db: Engine, sandbox: SandboxHarness, database_url: str, tmp_path: Path
) -> None:
    """The embedded Redis runs with append-only persistence: a message queued before a
    restart is still there after it, and is sent once."""
    home = tmp_path / "redis-home"
    url = start_embedded_redis(home)
    previous = dramatiq.broker.global_broker
    broker = build_broker(url)
    broker.emit_after("process_boot")
    use_broker(broker)
    worker: WorkerProcess | None = None
    try:
        rt = _runtime(db, sandbox.main, sandbox)
        sid = _school(rt)
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
        enqueue_submission(view.id)

        assert stop_embedded_redis(home)
        assert start_embedded_redis(home) == url
        worker = WorkerProcess(
            {
                "ROLLCALL_DATABASE_URL": database_url,
                "ROLLCALL_REDIS_URL": url,
                "ROLLCALL_KINDERTRACK_URL": sandbox.url,
                "ROLLCALL_KINDERTRACK_API_KEY": sandbox.api_key,
            },
            tmp_path / "worker.log",
        )
        worker.wait_ready(url)

        assert wait_until(lambda: _state(rt, view.id) is SubmissionState.SUBMITTED, timeout=30)
        assert sandbox.stats()["commits"] == 1
    finally:
        if worker is not None:
            worker.stop()
        broker.close()
        if previous is not None:
            use_broker(previous)
        stop_embedded_redis(home)
