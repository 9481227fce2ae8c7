"""``rollcall queues``: depths, delayed and dead-letter counts read from Dramatiq's keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dramatiq
import pytest
import redis
from dramatiq import Message, Worker
from dramatiq.brokers.redis import RedisBroker

from core.errors import AlreadySubmitted
from workers.queues import inspect_queues

ROLLCALL = str(Path(sys.executable).with_name("rollcall"))


def _message(queue: str, actor: str = "ping") -> Message[None]:
    return Message(queue_name=queue, actor_name=actor, args=(), kwargs={}, options={})


def test_inspection_counts_ready_delayed_and_dead_messages(
    redis_broker: RedisBroker, redis_client: redis.Redis
) -> None:
    # Given two ready messages and one delayed on "reports", and one refused message
    for _ in range(2):
        redis_broker.enqueue(_message("reports"))
    redis_broker.enqueue(_message("reports"), delay=60_000)

    @dramatiq.actor(queue_name="refusals")
    def refuse() -> None:
        raise AlreadySubmitted()

    refuse.send()
    worker = Worker(redis_broker, queues={"refusals"}, worker_timeout=100)
    worker.start()
    try:
        redis_broker.join("refusals", timeout=10_000)
    finally:
        worker.stop()

    # When the queues are inspected
    stats = {s.queue: s for s in inspect_queues(redis_client, known={"default"})}

    # Then each count is where Dramatiq keeps it
    assert (stats["reports"].depth, stats["reports"].delayed) == (2, 1)
    assert (stats["refusals"].depth, stats["refusals"].dead_letters) == (0, 1)
    assert stats["default"].depth == 0


@pytest.mark.slow
def test_the_queues_command_reports_a_depth_as_json(
    redis_url: str, redis_broker: RedisBroker, tmp_path: Path
) -> None:
    # Given three messages waiting on the default queue
    for _ in range(3):
        redis_broker.enqueue(_message("default"))
    # When `rollcall queues --json` runs against that Redis
    env = {**os.environ, "ROLLCALL_REDIS_URL": redis_url, "ROLLCALL_HOME": str(tmp_path)}
    result = subprocess.run(
        [ROLLCALL, "queues", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    # Then it reports the depth of the default queue
    report = json.loads(result.stdout)
    [default] = [q for q in report["queues"] if q["queue"] == "default"]
    assert default == {
        "queue": "default",
        "depth": 3,
        "in_progress": 0,
        "delayed": 0,
        "dead_letters": 0,
    }
