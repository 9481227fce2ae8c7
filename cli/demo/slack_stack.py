"""Everything the Slack demo runs on, in one process, on embedded defaults.

``slack_stack()`` starts, on top of :func:`cli.demo.environment.demo_environment` (a
fresh temporary ``ROLLCALL_HOME``, its SQLite database and an in-process KinderTrack
sandbox):

1. the Slack Web API stand-in (:class:`standins.slack_web_api.SlackStandin`) for workspace T0DEMO;
2. the embedded Redis under that home (``workers/embedded_redis.py``);
3. a real Dramatiq worker consuming the Redis broker (threads in this process);
4. the real Bolt app (``bot.app.create_app``) behind uvicorn on a free loopback port;
5. a :class:`standins.slack_requests.SlackSender` that signs requests as Slack does.

Settings come from environment variables exactly as in production
(``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``, ``ROLLCALL_SLACK_API_URL``,
``ROLLCALL_REDIS_URL`` …); they are set for the duration and restored afterwards, and
everything started is stopped in reverse order even when a step fails.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import dramatiq
import dramatiq.broker

from bot.request_guard import guard_from_settings
from bot.server import EVENTS_PATH, BackgroundServer, create_http_app
from cli.demo.environment import DemoEnvironment, demo_environment
from cli.demo.runner import DemoFailed
from core.config import Settings, get_settings
from core.services.runtime import Runtime
from standins.slack_requests import SlackSender
from standins.slack_web_api import SlackStandin

TEAM_ID = "T0DEMO"
TEAM_NAME = "Sunny Days Child Care"
BOT_TOKEN = "xoxb-rollcall-demo"  # the stand-in accepts any token; Bolt checks it with auth.test

#: How long the worker's consumers block on Redis before checking for shutdown.
WORKER_POLL_MS = 100


@dataclass(frozen=True)
class SlackStack:
    environment: DemoEnvironment
    standin: SlackStandin
    sender: SlackSender
    app_url: str
    """Where the Bolt app listens (``…/slack/events`` is its request URL)."""
    redis_url: str
    runtime: Runtime
    """The runtime the Slack app and the worker share (same database engine)."""


@contextmanager
def _environ(values: dict[str, str | None]) -> Iterator[None]:
    """Set (or, for None, unset) environment variables for the block; restore them after."""
    previous = {name: os.environ.get(name) for name in values}
    for name, value in values.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


class _TokenNotice(logging.Filter):
    """Bolt notes that SLACK_BOT_TOKEN is unused when the app brings its own WebClient
    (which carries that same token): true and harmless, so kept out of the transcript."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


@contextmanager
def _quiet_token_notice() -> Iterator[None]:
    logger, notice = logging.getLogger("slack_bolt.App"), _TokenNotice()
    logger.addFilter(notice)
    try:
        yield
    finally:
        logger.removeFilter(notice)


@contextmanager
def _embedded_redis(environment: DemoEnvironment) -> Iterator[str]:
    from workers.embedded_redis import (
        EmbeddedRedisError,
        start_embedded_redis,
        stop_embedded_redis,
    )

    try:
        url = start_embedded_redis(environment.home)
    except EmbeddedRedisError as error:
        raise DemoFailed(f"the embedded Redis did not start: {error}") from error
    try:
        yield url
    finally:
        stop_embedded_redis(environment.home)


@contextmanager
def _worker(redis_url: str) -> Iterator[None]:
    """A Dramatiq worker on the Redis broker; the previous global broker comes back after."""
    from workers.broker import build_broker, use_broker

    previous = dramatiq.broker.global_broker
    broker = use_broker(build_broker(redis_url))
    import workers.actors  # noqa: F401  (declares the actors on the broker just set)

    worker = dramatiq.Worker(broker, worker_threads=4, worker_timeout=WORKER_POLL_MS)
    worker.start()
    try:
        yield
    finally:
        worker.stop(timeout=10_000)
        broker.close()
        if previous is not None:
            use_broker(previous)


@contextmanager
def _runtimes(settings: Settings) -> Iterator[Runtime]:
    """The Slack app's and the worker's Runtime, built from settings as in production."""
    import bot.runtime
    import workers.runtime
    from bot.notifier import SlackNotifier
    from core.store.database import migrate
    from rollcall.bootstrap import build_runtime

    app_rt = build_runtime(settings)
    migrate(app_rt.engine)
    worker_rt = build_runtime(
        settings,
        notifier=SlackNotifier.from_settings(settings, runtime=lambda: worker_rt),
    )
    bot.runtime.use_runtime(app_rt)
    workers.runtime.use_runtime(worker_rt)
    try:
        yield app_rt
    finally:
        bot.runtime.use_runtime(None)
        workers.runtime.use_runtime(None)
        for rt in (app_rt, worker_rt):
            close = getattr(rt.kindertrack, "close", None)
            if callable(close):
                close()
        app_rt.engine.dispose()


@contextmanager
def slack_stack() -> Iterator[SlackStack]:
    """Start everything (see the module docs); stop it all, in reverse, on the way out."""
    with ExitStack() as stack:
        environment = stack.enter_context(demo_environment())
        standin = stack.enter_context(SlackStandin(team_id=TEAM_ID, team_name=TEAM_NAME))
        redis_url = stack.enter_context(_embedded_redis(environment))
        signing_secret = secrets.token_hex(16)
        stack.enter_context(
            _environ(
                {
                    **environment.env,
                    "ROLLCALL_REDIS_URL": redis_url,
                    "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": signing_secret,
                    "ROLLCALL_SLACK_API_URL": standin.api_url,
                    # One workspace in HTTP mode, whatever the shell says (unset, not empty:
                    # Bolt turns OAuth on when SLACK_CLIENT_ID is set at all).
                    "SLACK_APP_TOKEN": None,
                    "SLACK_CLIENT_ID": None,
                    "SLACK_CLIENT_SECRET": None,
                }
            )
        )
        settings = get_settings()
        runtime = stack.enter_context(_runtimes(settings))
        stack.enter_context(_worker(redis_url))

        from bot.app import create_app

        with _quiet_token_notice():
            bolt_app = create_app(settings)
        http_app = create_http_app(bolt_app, guard_from_settings(settings))
        server = stack.enter_context(BackgroundServer(http_app))
        sender = SlackSender(server.url + EVENTS_PATH, signing_secret=signing_secret)
        stack.callback(sender.close)
        yield SlackStack(environment, standin, sender, server.url, redis_url, runtime)
