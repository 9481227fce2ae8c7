"""The attacker's seat: the real Bolt app over signed HTTP on the test database, the Slack
stand-in, and (for workers) a real Dramatiq worker on the real Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import dramatiq
import pytest
from dramatiq.brokers.redis import RedisBroker

import bot.runtime
import workers.runtime
from core.services.runtime import Runtime
from tests.fixtures.slack import BotServer


@pytest.fixture
def app_runtime(rt: Runtime) -> Iterator[Runtime]:
    """The app and the workers on the test database, with the fake KinderTrack."""
    bot.runtime.use_runtime(rt)
    workers.runtime.use_runtime(rt)
    yield rt
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
