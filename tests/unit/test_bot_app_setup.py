"""create_app refuses Slack settings that cannot make a working app, with a clear reason."""

from __future__ import annotations

import pytest

from bot.app import SlackSetupError, create_app
from core.config import Settings


def _settings(**values: object) -> Settings:
    base: dict[str, object] = {
        "slack_bot_token": "xoxb-test",
        "slack_signing_secret": "secret",
        "slack_api_url": "http://127.0.0.1:9/api/",
        "slack_client_id": None,
        "slack_client_secret": None,
        "slack_app_token": None,
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def test_an_empty_client_id_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_CLIENT_ID", "")
    monkeypatch.setenv("SLACK_CLIENT_SECRET", "")

    with pytest.raises(SlackSetupError, match="SLACK_CLIENT_ID is set but OAuth is not configured"):
        create_app(_settings(slack_client_id="", slack_client_secret=""))


def test_a_missing_signing_secret_is_refused() -> None:
    with pytest.raises(SlackSetupError, match="SLACK_SIGNING_SECRET"):
        create_app(_settings(slack_signing_secret=None))
