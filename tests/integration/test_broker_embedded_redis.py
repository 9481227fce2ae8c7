"""The embedded Redis: one server per Rollcall home, shared by every process, append-only."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from core.config import Settings
from workers.embedded_redis import (
    embedded_paths,
    is_embedded_redis_running,
    resolve_redis_url,
    start_embedded_redis,
    stop_embedded_redis,
)

pytestmark = pytest.mark.slow

_PROCESS = """
import json, os, sys
from pathlib import Path
import redis
from workers.embedded_redis import start_embedded_redis
url = start_embedded_redis(Path(sys.argv[1]))
client = redis.Redis.from_url(url)
client.set(f"written-by:{os.getpid()}", "1")
print(json.dumps({"url": url, "server_pid": client.info("server")["process_id"],
                  "pid": os.getpid()}))
"""


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    stop_embedded_redis(tmp_path)


def test_two_processes_starting_at_once_share_one_server(home: Path) -> None:
    # Given no embedded server for this home yet
    assert not is_embedded_redis_running(home)
    # When two processes start it at the same moment and each writes a key
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _PROCESS, str(home)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [json.loads(p.communicate(timeout=30)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    # Then both used the same URL and the same redis-server process
    assert outputs[0]["url"] == outputs[1]["url"] == embedded_paths(home).url
    assert outputs[0]["server_pid"] == outputs[1]["server_pid"]
    # And a third process (this one) sees both keys through the same URL
    client = redis.Redis.from_url(start_embedded_redis(home))
    assert {client.get(f"written-by:{o['pid']}") for o in outputs} == {b"1"}
    # And the server runs with append-only persistence
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    client.close()


def test_data_survives_a_clean_stop_and_restart(home: Path) -> None:
    # Given a key written to the embedded server
    client = redis.Redis.from_url(start_embedded_redis(home))
    client.set("owed", "submission-1")
    client.close()
    # When the server is stopped and started again
    assert stop_embedded_redis(home) is True
    assert not is_embedded_redis_running(home)
    assert (embedded_paths(home).directory / "appendonly.aof").stat().st_size > 0
    client = redis.Redis.from_url(start_embedded_redis(home))
    # Then the key is still there
    assert client.get("owed") == b"submission-1"
    client.close()


def test_the_configured_url_wins_over_the_embedded_server(home: Path) -> None:
    # Given ROLLCALL_REDIS_URL set, then it is used as is and nothing is started
    settings = Settings(home=home, redis_url="redis://redis.internal:6379/0")
    assert resolve_redis_url(settings) == "redis://redis.internal:6379/0"
    assert not is_embedded_redis_running(home)
    # Given it unset, then the embedded server is started and its URL returned
    assert resolve_redis_url(Settings(home=home, redis_url=None)) == embedded_paths(home).url
    assert is_embedded_redis_running(home)


def test_stopping_when_nothing_runs_is_a_no_op(home: Path) -> None:
    assert stop_embedded_redis(home) is False
