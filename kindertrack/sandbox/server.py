"""The sandbox over real HTTP, with the faults of docs/KINDERTRACK.md.

Built on the standard library's threaded HTTP server rather than an ASGI stack: the
drop-after-commit fault must close the TCP connection without any answer, and ASGI
cannot express that (an app that sends nothing gets a 500 from the server). Here the
handler owns the socket.

Faults apply to the API only, never to ``/_sandbox/*``, so tests can always read stats:
  * latency: wait before handling; a client that hung up meanwhile (or a server being
    stopped) gets nothing done, so nothing is committed;
  * fail rate: answer 503 without doing anything;
  * drop-after-commit rate: commit a new submission, then close without answering.
"""

from __future__ import annotations

import contextlib
import json
import logging
import random
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kindertrack.sandbox.api import STATS_PATH, Answer, SandboxApi
from kindertrack.sandbox.authorizations import Authorizations
from kindertrack.sandbox.seed import DEFAULT_SEED_PATH, load_seed
from kindertrack.sandbox.store import Stats, SubmissionStore

log = logging.getLogger("kindertrack.sandbox")
access_log = logging.getLogger("kindertrack.sandbox.access")


@dataclass(frozen=True)
class Faults:
    latency_ms: int = 0
    fail_rate: float = 0.0
    drop_after_commit_rate: float = 0.0
    latency_jitter_ms: int = 0
    """Up to this much more latency, drawn per request (a KinderTrack of uneven speed)."""

    def __post_init__(self) -> None:
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("latency_ms and latency_jitter_ms must be 0 or more")
        for name in ("fail_rate", "drop_after_commit_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # bursts of concurrent clients must not wait on SYN retries

    def __init__(
        self, address: tuple[str, int], api: SandboxApi, faults: Faults, rng: random.Random
    ) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.faults = faults
        self.rng = rng
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate

    def jitter_ms(self, most: int) -> int:
        return self.rng.randint(0, most) if most > 0 else 0

    def track(self, connection: socket.socket, *, open_: bool) -> None:
        with self._connections_lock:
            if open_:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)

    def close_connections(self) -> None:
        """Hang up on kept-alive clients, as a stopping server does."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # idle keep-alive connections free their thread after this
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without this, Nagle holds the body ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.track(self.connection, open_=False)

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        access_log.info(format % args, extra={"event": "sandbox_request"})

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        url = urlsplit(self.path)
        api, faults, stats = self.server.api, self.server.faults, self.server.api.stats
        if not url.path.startswith("/_sandbox/"):
            stats.bump("requests")
            if api.is_submission_post(self.command, url.path):
                stats.bump("submission_posts")
            latency_ms = faults.latency_ms + self.server.jitter_ms(faults.latency_jitter_ms)
            if latency_ms and not self._survive_latency(latency_ms / 1000):
                stats.bump("abandoned")
                self.close_connection = True
                return
            if self.server.roll(faults.fail_rate):
                stats.bump("failures_injected")
                self._reply(Answer(503, {"error": "unavailable"}))
                return
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            answer = api.handle(self.command, url.path, parse_qs(url.query), headers, body)
        except Exception:
            log.exception(
                "sandbox failed",
                extra={"event": "sandbox_failed", "method": self.command, "path": url.path},
            )
            answer = Answer(500, {"error": "internal"})
        if answer.committed and self.server.roll(faults.drop_after_commit_rate):
            stats.bump("drops")
            self._drop()
            return
        self._reply(answer)

    def _read_body(self) -> bytes | None:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                self._reply(Answer(411, {"error": "length_required"}))
                self.close_connection = True
                return None
            return b""
        try:
            return self.rfile.read(int(length))
        except ValueError:
            self._reply(Answer(400, {"error": "bad_content_length"}))
            self.close_connection = True
            return None

    def _survive_latency(self, seconds: float) -> bool:
        """Wait; then carry on only if the server is not stopping and the client is there."""
        if self.server.stopping.wait(seconds):
            return False
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return not readable or self.connection.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reply(self, answer: Answer) -> None:
        payload = json.dumps(answer.body, ensure_ascii=False).encode("utf-8")
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if self.server.stopping.is_set():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(payload)


def _build_server(
    host: str,
    port: int,
    seed_path: Path | str,
    state_path: Path | str | None,
    faults: Faults,
    rng_seed: int | None,
    honour_idempotency_key: bool = True,
) -> _Server:
    seed = load_seed(seed_path)
    state = Path(state_path) if state_path is not None else None
    store = SubmissionStore(state)
    authorizations = Authorizations(
        seed.link_codes(),
        path=state.with_name(f"{state.name}.authorizations.json") if state else None,
    )
    api = SandboxApi(
        seed,
        store,
        Stats(),
        authorizations=authorizations,
        honour_idempotency_key=honour_idempotency_key,
    )
    return _Server((host, port), api, faults, random.Random(rng_seed))


def _url(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


def serve(
    port: int,
    seed_path: Path | str,
    state_path: Path | str | None = None,
    *,
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    drop_after_commit_rate: float = 0.0,
    latency_jitter_ms: int = 0,
    ignore_idempotency_key: bool = False,
    rng_seed: int | None = None,
    host: str = "127.0.0.1",
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until interrupted (Ctrl-C). ``port`` 0 picks a free port;
    ``on_ready`` gets the URL once the socket listens. Raises ``SeedError`` or ``OSError``
    before serving."""
    faults = Faults(latency_ms, fail_rate, drop_after_commit_rate, latency_jitter_ms)
    server = _build_server(
        host,
        port,
        seed_path,
        state_path,
        faults,
        rng_seed,
        honour_idempotency_key=not ignore_idempotency_key,
    )
    if on_ready is not None:
        on_ready(_url(server))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.stopping.set()
        server.close_connections()
        server.server_close()


class RunningSandbox:
    """A sandbox serving from a background thread; ``stop()`` (or ``with``) ends it."""

    def __init__(self, server: _Server) -> None:
        self._server = server
        self.url = _url(server)
        self.port: int = server.server_address[1]
        self.api_key = server.api.seed.api_key
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"kindertrack-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stats(self) -> dict[str, int]:
        """The counters of ``GET /_sandbox/stats``, read over HTTP like any client."""
        import httpx  # only tests call in: ``rollcall sandbox`` serves without the client

        response = httpx.get(
            f"{self.url}{STATS_PATH}",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=5.0,
        )
        response.raise_for_status()
        counts: dict[str, int] = response.json()
        return counts

    def mint_link_code(self, provider_id: str) -> str:
        """A fresh link code for ``provider_id`` (``POST /_sandbox/providers/{id}/link-codes``),
        as the KinderTrack portal gives one to the center's administrator."""
        import httpx

        response = httpx.post(
            f"{self.url}/_sandbox/providers/{provider_id}/link-codes",
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=5.0,
        )
        response.raise_for_status()
        return str(response.json()["link_code"])

    def stop(self) -> None:
        """Stop accepting, abandon requests still in their latency, and hang up."""
        if self._server.stopping.is_set():
            return
        self._server.stopping.set()
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start_in_thread(
    seed_path: Path | str = DEFAULT_SEED_PATH,
    state_path: Path | str | None = None,
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    latency_ms: int = 0,
    fail_rate: float = 0.0,
    drop_after_commit_rate: float = 0.0,
    rng_seed: int | None = None,
    ignore_idempotency_key: bool = False,
) -> RunningSandbox:
    """Start a sandbox in this process (for tests and the demo); port 0 picks a free one.

    ``rng_seed`` makes fractional fault rates reproducible; ``ignore_idempotency_key``
    plays a KinderTrack that answers a replay with 409 ``already_submitted``.
    """
    faults = Faults(latency_ms, fail_rate, drop_after_commit_rate)
    server = _build_server(
        host,
        port,
        seed_path,
        state_path,
        faults,
        rng_seed,
        honour_idempotency_key=not ignore_idempotency_key,
    )
    return RunningSandbox(server)
