"""The worker process's Runtime: built once from settings, replaceable by tests."""

from __future__ import annotations

from core.config import get_settings
from core.ports import Notifier
from core.services.runtime import Runtime
from rollcall.bootstrap import build_runtime

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
