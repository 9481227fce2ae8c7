"""The worker process's Runtime: built once at process boot, replaceable by tests.

``workers.broker.setup_worker`` (Dramatiq's broker hook, run in each worker process before
any thread takes a message) calls :func:`boot`. Actors read it with :func:`runtime`.
A process that runs actors without booting (a test, the demo's in-process worker) sets
its own with :func:`use_runtime`, or gets one built once under a lock.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.config import get_settings
from core.errors import RollcallError
from core.services.runtime import Runtime
from rollcall.bootstrap import build_worker_runtime
from workers.process_env import DEFAULT_THREADS

if TYPE_CHECKING:
    from slack_sdk import WebClient

_runtime: Runtime | None = None
_building = threading.Lock()


def boot(threads: int) -> Runtime:
    """Build this process's Runtime (a pool of ``threads`` connections) before any work."""
    global _runtime
    with _building:
        _runtime = build_worker_runtime(get_settings(), threads)
        return _runtime


def runtime() -> Runtime:
    """The process's Runtime; built once (under a lock) if the process did not boot one."""
    if _runtime is None:
        with _building:
            if _runtime is None:
                use_runtime(build_worker_runtime(get_settings(), DEFAULT_THREADS))
    assert _runtime is not None
    return _runtime


def use_runtime(rt: Runtime | None) -> None:
    """Tests run actors against their own Runtime (None restores the default)."""
    global _runtime
    _runtime = rt


def slack_client(team_id: str) -> WebClient:
    """The bot's Web API client for ``team_id`` (the Slack notifier's, with its token), for
    work that reads from Slack (an uploaded file); refused when Slack is not set up."""
    from bot.notifier import SlackNotifier

    notifier = runtime().notifier
    client = notifier.client_for(team_id) if isinstance(notifier, SlackNotifier) else None
    if client is None:
        raise RollcallError(
            "Rollcall's workers have no Slack token for this workspace; ask the operator to "
            "set SLACK_BOT_TOKEN or reinstall the app."
        )
    return client
