"""The attacker's seat: the real Bolt app over signed HTTP on the test database, the Slack
stand-in, and (for workers) a real Dramatiq worker on the real Redis."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

import bot.runtime
import workers.runtime
from bot.notifier import SlackNotifier
from core.services.runtime import Runtime
from standins.slack_web_api import SlackStandin
from tests.fixtures.slack import BOT_TOKEN, BotServer


@pytest.fixture
def app_runtime(rt: Runtime) -> Iterator[Runtime]:
    """The app and the workers on the test database, with the fake KinderTrack."""
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def slack_runtime(rt: Runtime, slack_standin: SlackStandin) -> Iterator[Runtime]:
    """The app and the workers on the test database (fake KinderTrack), the workers
    answering through the real Slack notifier on the stand-in."""
    holder: list[Runtime] = []
    notifier = SlackNotifier(
        token_for_team=lambda team_id: BOT_TOKEN,
        base_url=slack_standin.api_url,
        runtime=lambda: holder[0],
    )
    holder.append(dataclasses.replace(rt, notifier=notifier))
    bot.runtime.use_runtime(holder[0])
    workers.runtime.use_runtime(holder[0])
    yield holder[0]
    bot.runtime.use_runtime(None)
    workers.runtime.use_runtime(None)


@pytest.fixture
def server(bot_server_factory: Callable[..., BotServer], app_runtime: Runtime) -> BotServer:
    return bot_server_factory()


@pytest.fixture
def worker(redis_broker: RedisBroker) -> Iterator[dramatiq.Worker]:
    import workers.actors  # noqa: F401  (declares the actors on the test broker)

    running = dramatiq.Worker(redis_broker, worker_timeout=100, worker_threads=2)
    running.start()
    yield running
    running.stop()


class Canary:
    """An HTTP server no part of Rollcall may ever reach: every request is recorded, and a
    test that used it fails at teardown if anything connected."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        canary = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canary.hits.append(f"{self.command} {self.path}")
                body = b"student,check_in,check_out\nMallory,2026-11-09T08:00,2026-11-09T17:00\n"
                self.send_response(200)
                self.send_header("content-type", "text/csv")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    running = Canary()
    yield running
    running.stop()
    assert running.hits == [], f"something reached the canary: {running.hits}"
