"""Real ``rollcall worker`` processes for crash tests: start, wait until consuming, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis

ROLLCALL = str(Path(sys.executable).parent / "rollcall")


def wait_until(predicate: Callable[[], bool], *, timeout: float, every: float = 0.1) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (bounded, no fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


class WorkerProcess:
    """``rollcall worker`` in its own process group, so SIGKILL takes its children too."""

    def __init__(self, env: dict[str, str], log_path: Path, *, threads: int = 4) -> None:
        self.log_path = log_path
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [ROLLCALL, "worker", "--processes", "1", "--threads", str(threads)],
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, redis_url: str, *, timeout: float = 30) -> None:
        """Send a ping and wait for this worker's pong: it is consuming."""
        from workers.actors import ping

        key = f"test:pong:{uuid.uuid4().hex}"
        ping.send(key)
        client = redis.Redis.from_url(redis_url)
        try:
            if not wait_until(lambda: client.get(key) == b"pong", timeout=timeout):
                raise AssertionError(f"worker never consumed a ping; log: {self.log()}")
        finally:
            client.close()

    def kill(self) -> None:
        """SIGKILL the whole group: no shutdown, no ack, exactly like a crash."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]
