"""A real ``rollcall worker`` process consumes messages from the real Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from dramatiq.brokers.redis import RedisBroker

ROLLCALL = str(Path(sys.executable).with_name("rollcall"))


def _wait_for(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.slow
def test_a_worker_process_consumes_a_ping_and_logs_it_as_json(
    redis_url: str, redis_client: redis.Redis, redis_broker: RedisBroker, tmp_path: Path
) -> None:
    # Given a real `rollcall worker` on the test Redis, started after `rollcall migrate`
    env = {**os.environ, "ROLLCALL_REDIS_URL": redis_url, "ROLLCALL_HOME": str(tmp_path)}
    subprocess.run([ROLLCALL, "migrate"], cwd=tmp_path, env=env, check=True, timeout=60)
    stderr_path = tmp_path / "worker.err"
    with stderr_path.open("w") as stderr:
        worker = subprocess.Popen(
            [ROLLCALL, "worker", "--processes", "1", "--threads", "2"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        # When a ping is sent through the broker
        import workers.actors

        reply_key = f"test:pong:{uuid.uuid4().hex}"
        workers.actors.ping.send(reply_key)

        # Then the worker process sets the reply key in Redis
        assert _wait_for(lambda: redis_client.get(reply_key) == b"pong", 60), (
            stderr_path.read_text()
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)

    # And it logged the ping as one JSON line with its event field
    lines = [
        json.loads(line) for line in stderr_path.read_text().splitlines() if line.startswith("{")
    ]
    assert any(line.get("event") == "ping" and line["logger"] == "workers.actors" for line in lines)
    # And the queue is empty: the message was acknowledged
    assert redis_client.llen("dramatiq:default") == 0
    assert redis_client.hlen("dramatiq:default.msgs") == 0
    assert worker.returncode == 0


@pytest.mark.slow
def test_a_worker_on_a_database_not_migrated_refuses_in_one_line(
    redis_url: str, tmp_path: Path
) -> None:
    # Given a fresh database nobody migrated
    env = {**os.environ, "ROLLCALL_REDIS_URL": redis_url, "ROLLCALL_HOME": str(tmp_path)}

    # When `rollcall worker` starts on it
    refused = subprocess.run(
        [ROLLCALL, "worker"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )

    # Then it exits non-zero with one line saying what to do, and starts no process
    assert refused.returncode == 1
    assert (
        refused.stderr.strip().splitlines() == [refused.stderr.strip()]
        and "run `rollcall migrate` first" in refused.stderr
    )

    # And after `rollcall migrate` (run twice: the second finds nothing to do) it would start
    for _ in range(2):
        migrated = subprocess.run(
            [ROLLCALL, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert migrated.returncode == 0, migrated.stderr
        assert "up to date" in migrated.stdout
