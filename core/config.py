"""Settings, from environment variables and a ``.env`` file (docs/CLI.md)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_HOME = Path.home() / ".rollcall"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    home: Path = Field(DEFAULT_HOME, alias="ROLLCALL_HOME")
    database_url: str | None = Field(None, alias="ROLLCALL_DATABASE_URL")
    redis_url: str | None = Field(None, alias="ROLLCALL_REDIS_URL")
    kindertrack_url: str = Field("http://127.0.0.1:8765", alias="ROLLCALL_KINDERTRACK_URL")
    kindertrack_api_key: str = Field("sandbox-key", alias="ROLLCALL_KINDERTRACK_API_KEY")
    kindertrack_timeout_s: float = Field(10.0, alias="ROLLCALL_KINDERTRACK_TIMEOUT", gt=0)
    """The most one network operation (connect, a read) may wait."""
    kindertrack_deadline_s: float = Field(20.0, alias="ROLLCALL_KINDERTRACK_DEADLINE_SECONDS", gt=0)
    """The most one KinderTrack call may take: all its tries, their waits and the answer's
    whole body."""
    pay_period_anchor: date = Field(date(2026, 1, 4), alias="ROLLCALL_PAY_PERIOD_ANCHOR")
    pay_period_days: int = Field(14, alias="ROLLCALL_PAY_PERIOD_DAYS", ge=1, le=62)
    default_timezone: str = Field("America/Chicago", alias="ROLLCALL_TIMEZONE")
    absence_days_per_month: int = Field(4, alias="ROLLCALL_ABSENCE_DAYS_PER_MONTH", ge=0, le=31)
    """Absence days a month Iowa pays per child; past it a report warns (docs/DOMAIN.md)."""
    submission_lease_seconds: int = Field(30, alias="ROLLCALL_SUBMISSION_LEASE_SECONDS", ge=1)
    undo_seconds: int = Field(60, alias="ROLLCALL_UNDO_SECONDS", ge=0, le=600)
    """How long a director can undo an approval from Slack before a worker sends it."""
    """How long a worker owns a submission it is sending before the sweep may re-drive it.
    The worker renews it every third of this while its KinderTrack calls are in flight, so
    a dead worker's submission is taken over within about this long (plus the sweep's
    10 s cadence); it must outlast one KinderTrack call (the deadline) on its own."""
    submission_threads: int = Field(32, alias="ROLLCALL_SUBMISSION_THREADS", ge=1, le=256)
    """Threads of a ``rollcall worker --submissions`` process (the submissions queue alone):
    each spends most of its time waiting on KinderTrack, so many threads overlap those
    waits; the process's connection pool is sized to match. Keep processes x threads
    within PostgreSQL's connection limit."""
    sweep_every_seconds: int = Field(10, alias="ROLLCALL_SWEEP_EVERY_SECONDS", ge=1, le=60)
    """How often the scheduler sends the sweep, on the clock (a divisor of 60)."""
    sweep_idle_seconds: int = Field(120, alias="ROLLCALL_SWEEP_IDLE_SECONDS", ge=1)
    """An approved submission idle this long (its message lost) is re-driven by the sweep."""

    metrics_port: int = Field(9191, alias="ROLLCALL_METRICS_PORT", ge=1, le=65535)
    """Where ``rollcall worker`` serves Prometheus metrics (/metrics), one port per host."""
    scheduler_metrics_port: int = Field(
        9192, alias="ROLLCALL_SCHEDULER_METRICS_PORT", ge=1, le=65535
    )
    """Where ``rollcall scheduler`` serves Prometheus metrics (/metrics)."""

    slack_bot_token: str | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_api_url: str | None = Field(None, alias="ROLLCALL_SLACK_API_URL")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, alias="SLACK_CLIENT_SECRET")
    token_encryption_key: str | None = Field(None, alias="ROLLCALL_TOKEN_ENCRYPTION_KEY")

    @model_validator(mode="after")
    def _sweep_on_the_clock(self) -> Settings:
        if 60 % self.sweep_every_seconds:
            raise ValueError(
                f"ROLLCALL_SWEEP_EVERY_SECONDS ({self.sweep_every_seconds}) must divide a "
                "minute (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)"
            )
        return self

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> Settings:
        if self.submission_lease_seconds <= self.kindertrack_deadline_s:
            raise ValueError(
                f"ROLLCALL_SUBMISSION_LEASE_SECONDS ({self.submission_lease_seconds}) must be "
                f"longer than ROLLCALL_KINDERTRACK_DEADLINE_SECONDS "
                f"({self.kindertrack_deadline_s:g}), the most one send to KinderTrack can take"
            )
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.home.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{self.home / 'rollcall.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
