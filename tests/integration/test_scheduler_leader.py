"""Two schedulers on one Redis: each job fires once per tick, and a standby takes over."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from apscheduler.triggers.cron import CronTrigger

from workers.scheduling import ScheduledJob, SchedulerRunner

pytestmark = pytest.mark.slow  # scheduler processes and leases waited out

ROLLCALL = str(Path(sys.executable).with_name("rollcall"))
FIRED = "test:scheduler:fired"
TTL_S = 1.5


def _recorder(client: redis.Redis, job: str, instance: str) -> Callable[[], None]:
    """A stand-in for a message send: records (job, tick second, instance) in Redis."""

    def send() -> None:
        client.rpush(FIRED, f"{job}|{int(time.time())}|{instance}")

    return send


def _every_second_jobs(client: redis.Redis, instance: str) -> list[ScheduledJob]:
    return [
        ScheduledJob(name, CronTrigger(second="*"), _recorder(client, name, instance))
        for name in ("sweep_stuck_submissions", "send_due_reminders")
    ]


def _fired(client: redis.Redis) -> list[tuple[str, int, str]]:
    raws = client.lrange(FIRED, 0, -1)
    rows = [(r.decode() if isinstance(r, bytes) else str(r)).split("|") for r in raws]
    return [(job, int(tick), instance) for job, tick, instance in rows]


@pytest.fixture
def start_runner(redis_client: redis.Redis) -> Iterator[Callable[[str], SchedulerRunner]]:
    lock_name = f"test:scheduler:leader:{uuid.uuid4().hex}"
    runners: list[tuple[SchedulerRunner, threading.Thread]] = []

    def start(instance: str) -> SchedulerRunner:
        runner = SchedulerRunner(
            redis_client,
            _every_second_jobs(redis_client, instance),
            lock_name=lock_name,
            lock_ttl_s=TTL_S,
        )
        thread = threading.Thread(target=runner.run, name=f"scheduler-{instance}", daemon=True)
        thread.start()
        runners.append((runner, thread))
        return runner

    yield start
    for runner, thread in runners:
        runner.stop()
        thread.join(timeout=5)


def test_two_schedulers_fire_each_job_once_per_tick(
    redis_client: redis.Redis, start_runner: Callable[[str], SchedulerRunner]
) -> None:
    # Given two scheduler instances on the same Redis, with jobs every second
    first = start_runner("a")
    second = start_runner("b")

    # When they run for a few ticks (bounded wait until each job fired three times)
    def ticks() -> Counter[str]:
        return Counter(job for job, _ in {(job, tick) for job, tick, _ in _fired(redis_client)})

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and min(ticks().values(), default=0) < 3:
        time.sleep(0.1)
    # Then exactly one of them leads, and only the leader fired
    assert [first.lock.held, second.lock.held].count(True) == 1
    fired = _fired(redis_client)
    assert {instance for _, _, instance in fired} == {"a" if first.lock.held else "b"}
    # And each job fired at least three ticks, none of them twice
    per_tick = Counter((job, tick) for job, tick, _ in fired)
    assert set(per_tick.values()) == {1}
    per_job = Counter(job for job, _ in per_tick)
    assert per_job["sweep_stuck_submissions"] >= 3
    assert per_job["send_due_reminders"] >= 3


def test_a_standby_takes_over_when_the_leader_dies(
    redis_client: redis.Redis, start_runner: Callable[[str], SchedulerRunner]
) -> None:
    # Given a leader "a" and a standby "b"
    leader = start_runner("a")
    time.sleep(0.2)
    standby = start_runner("b")
    time.sleep(1.2)
    assert leader.lock.held and not standby.lock.held
    # When the leader dies without releasing its lock (no renewal, no more ticks)
    leader.lock.stop(release=False)
    leader.stop()
    died_at = int(time.time())
    # Then within about a TTL (+ TTL/3) the standby leads and fires
    deadline = time.monotonic() + TTL_S * 2 + 2
    while time.monotonic() < deadline and not any(i == "b" for _, _, i in _fired(redis_client)):
        time.sleep(0.1)
    fired = _fired(redis_client)
    assert standby.lock.held
    assert {i for _, tick, i in fired if tick > died_at} == {"b"}
    # And no tick was fired twice across the handover
    assert set(Counter((job, tick) for job, tick, _ in fired).values()) == {1}


def _json_lines(path: Path) -> list[dict[str, object]]:
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def test_two_scheduler_processes_elect_one_leader_and_fail_over(
    redis_url: str, redis_client: redis.Redis, tmp_path: Path
) -> None:
    # Given two real `rollcall scheduler` processes on the same Redis
    env = {**os.environ, "ROLLCALL_REDIS_URL": redis_url, "ROLLCALL_HOME": str(tmp_path)}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs: dict[str, Path] = {}
    for name in ("one", "two"):
        logs[name] = tmp_path / f"{name}.err"
        with logs[name].open("w") as stderr:
            procs[name] = subprocess.Popen(
                [ROLLCALL, "scheduler", "--lock-ttl", "2"],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        # Wait (bounded) until this instance has taken a side: leader or standby.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(
            line.get("event") in ("scheduler_leader", "scheduler_standby")
            for line in _json_lines(logs[name])
        ):
            time.sleep(0.1)

    def leaders() -> set[str]:
        return {
            name
            for name, path in logs.items()
            if any(line.get("event") == "scheduler_leader" for line in _json_lines(path))
        }

    try:
        # Then the first one leads and the second waits as a standby
        assert leaders() == {"one"}, {n: p.read_text() for n, p in logs.items()}
        assert any(line.get("event") == "scheduler_standby" for line in _json_lines(logs["two"]))
        # When the leader is killed outright
        procs["one"].send_signal(signal.SIGKILL)
        procs["one"].wait(timeout=5)
        # Then the standby takes the lock within about one TTL
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline and "two" not in leaders():
            time.sleep(0.2)
        assert "two" in leaders(), logs["two"].read_text()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=10)
    # And the survivor released the lock on a clean stop
    assert procs["two"].returncode == 0
    assert redis_client.exists("rollcall:scheduler:leader") == 0
