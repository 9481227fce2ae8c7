"""The worker process's Runtime: built once from settings, replaceable by tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.config import get_settings
from core.errors import RollcallError
from core.ports import Notifier
from core.services.runtime import Runtime
from rollcall.bootstrap import build_runtime

if TYPE_CHECKING:
    from slack_sdk import WebClient

_runtime: Runtime | None = None


def notifier_for_worker() -> Notifier:
    """Slack when the app is configured (a bot token or an OAuth install), else logs."""
    settings = get_settings()
    if settings.slack_bot_token or (settings.slack_client_id and settings.slack_client_secret):
        from bot.notifier import SlackNotifier

        return SlackNotifier.from_settings(settings)
    from workers.notifier import LoggingNotifier

    return LoggingNotifier()


def runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        _runtime = build_runtime(notifier=notifier_for_worker())
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
