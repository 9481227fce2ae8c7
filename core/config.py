"""Settings, from environment variables and a ``.env`` file (DESIGN §5)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".rollcall"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    home: Path = Field(DEFAULT_HOME, alias="ROLLCALL_HOME")
    database_url: str | None = Field(None, alias="ROLLCALL_DATABASE_URL")
    redis_url: str | None = Field(None, alias="ROLLCALL_REDIS_URL")
    kindertrack_url: str = Field("http://127.0.0.1:8765", alias="ROLLCALL_KINDERTRACK_URL")
    kindertrack_api_key: str = Field("sandbox-key", alias="ROLLCALL_KINDERTRACK_API_KEY")
    kindertrack_timeout_s: float = Field(10.0, alias="ROLLCALL_KINDERTRACK_TIMEOUT")
    pay_period_anchor: date = Field(date(2026, 1, 4), alias="ROLLCALL_PAY_PERIOD_ANCHOR")
    pay_period_days: int = Field(14, alias="ROLLCALL_PAY_PERIOD_DAYS", ge=1, le=62)
    default_timezone: str = Field("America/Chicago", alias="ROLLCALL_TIMEZONE")
    submission_lease_seconds: int = Field(300, alias="ROLLCALL_SUBMISSION_LEASE_SECONDS", ge=1)
    """How long a worker owns a submission it is sending before the sweep may re-drive it:
    longer than the KinderTrack client's whole retry budget (4 tries of at most 10 s, and
    waits of at most 30 s between them)."""
    sweep_idle_seconds: int = Field(120, alias="ROLLCALL_SWEEP_IDLE_SECONDS", ge=1)
    """An approved submission idle this long (its message lost) is re-driven by the sweep."""

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(None, alias="ROLLCALL_SLACK_API_URL")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, alias="SLACK_CLIENT_SECRET")
    token_encryption_key: str | None = Field(None, alias="ROLLCALL_TOKEN_ENCRYPTION_KEY")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'rollcall.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
