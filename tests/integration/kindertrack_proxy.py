"""A KinderTrack that misbehaves in ways the sandbox does not, over real HTTP.

It stands in front of a real sandbox and passes calls through, except for what a test
asks it to get wrong: a list that ignores the period asked for, a list that lags behind
commits, a first POST that is committed and then answered with nothing, a receipt with a
very long submission ID, an answer whose body trickles in a byte a second, no answer at all.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import httpx


@dataclass
class Misbehaviour:
    list_ignores_period: bool = False
    """The submissions list returns every period of the provider (the filter is ignored)."""
    lagging_lists: int = 0
    """This many submissions lists answer [] whatever is held (an eventually consistent API)."""
    drop_first_post_answer: bool = False
    """The first POST is passed on (and committed), then the connection closes unanswered."""
    lose_first_post: bool = False
    """The first POST is never passed on; the connection closes unanswered."""
    receipt_id: str | None = None
    """Answer a POST with this submission_id instead of the sandbox's."""
    trickle_s: float | None = None
    """Every answer: 200 and headers at once, then one body byte per this many seconds."""
    mute: bool = False
    """Every call is read and never answered (nothing is passed on): a KinderTrack that hangs."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _ProxyServer

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        proxy, rules = self.server, self.server.rules
        url = urlsplit(self.path)
        if rules.mute:
            proxy.stopping.wait()
            self._hang_up()
            return
        if rules.trickle_s is not None:
            self._trickle(b'{"provider_id": "12345", "name": "Slow", "status": "active"}')
            return
        is_post = self.command == "POST"
        is_list = not is_post and url.path.endswith("/attendance-submissions")
        target = url.path if (is_list and rules.list_ignores_period) else self.path
        if is_list and proxy.take_lagging_list():
            self._reply(200, b"[]")
            return
        if is_post and proxy.take_lost_post():
            self._hang_up()
            return
        headers = {
            k: v
            for k, v in self.headers.items()
            if k.lower() in ("authorization", "idempotency-key")
        }
        if body:
            headers["Content-Type"] = "application/json"
        answer = httpx.request(
            self.command, proxy.upstream + target, content=body, headers=headers, timeout=30
        )
        if is_post and proxy.take_first_post_drop():
            self._hang_up()
            return
        content = answer.content
        if is_post and rules.receipt_id is not None and answer.status_code == 201:
            receipt = answer.json()
            receipt["submission_id"] = rules.receipt_id
            content = httpx.Response(201, json=receipt).content
        self._reply(answer.status_code, content)

    def _hang_up(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _reply(self, status: int, content: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    def _trickle(self, content: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.flush()
        for byte in content:
            if self.server.stopping.wait(self.server.rules.trickle_s or 0):
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, rules: Misbehaviour) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream.rstrip("/")
        self.rules = rules
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._lagging_left = rules.lagging_lists
        self._drop_left = 1 if rules.drop_first_post_answer else 0
        self._lose_left = 1 if rules.lose_first_post else 0

    def take_lost_post(self) -> bool:
        with self._lock:
            if self._lose_left <= 0:
                return False
            self._lose_left -= 1
            return True

    def take_lagging_list(self) -> bool:
        with self._lock:
            if self._lagging_left <= 0:
                return False
            self._lagging_left -= 1
            return True

    def take_first_post_drop(self) -> bool:
        with self._lock:
            if self._drop_left <= 0:
                return False
            self._drop_left -= 1
            return True


@contextlib.contextmanager
def misbehaving(upstream: str, rules: Misbehaviour) -> Iterator[str]:
    """Serve ``rules`` in front of ``upstream`` (a sandbox URL); yields the proxy's URL."""
    server = _ProxyServer(upstream, rules)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
