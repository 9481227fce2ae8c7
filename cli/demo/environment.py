"""Where the demo runs: a KinderTrack sandbox in this process, a fresh temporary home and
SQLite database, and the environment variables that point the CLI at both."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.config import Settings, get_settings
from core.domain.pay_periods import PayPeriodCalendar
from kindertrack.sandbox import DEFAULT_SEED_PATH, start_in_thread

DEMO_TIMEZONE = "America/Chicago"
DEMO_LINK_CODES = {"12345": "K7PM2QXA", "54321": "H4RT9WXY", "24680": "M4PLGRVE"}
"""The one-time codes each center's KinderTrack administrator got by authorizing Rollcall
in the portal (the demo's sandbox requires them: contract version 2)."""


@dataclass(frozen=True)
class DemoEnvironment:
    home: Path
    """A temporary directory: the demo's ROLLCALL_HOME, database and files (and the cwd)."""
    database_url: str
    kindertrack_url: str
    calendar: PayPeriodCalendar
    timezone: str
    env: dict[str, str]
    """The ROLLCALL_* variables every demo command runs with."""


@contextmanager
def demo_environment(
    *, anchor: date | None = None, length_days: int | None = None
) -> Iterator[DemoEnvironment]:
    """Start the sandbox and a fresh home; stop and remove both afterwards.

    The pay-period calendar is the settings' (``ROLLCALL_PAY_PERIOD_ANCHOR`` and
    ``ROLLCALL_PAY_PERIOD_DAYS``, defaults 2026-01-04 and 14) unless given; the sandbox is
    seeded with the same calendar so KinderTrack and Rollcall agree on the periods. While
    inside, the working directory is the temporary home (so no ``.env`` is read and files
    are named as a director would name them).
    """
    settings = Settings()
    calendar = PayPeriodCalendar(
        anchor or settings.pay_period_anchor, length_days or settings.pay_period_days
    )
    with tempfile.TemporaryDirectory(prefix="rollcall-demo-") as tmp:
        home = Path(tmp)
        seed = json.loads(DEFAULT_SEED_PATH.read_text(encoding="utf-8"))
        seed["pay_periods"] = {
            "anchor": calendar.anchor.isoformat(),
            "length_days": calendar.length_days,
        }
        for provider in seed["providers"]:
            code = DEMO_LINK_CODES.get(provider["provider_id"])
            provider["link_codes"] = [code] if code else []
        seed_path = home / "kindertrack-seed.json"
        seed_path.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
        sandbox = start_in_thread(seed_path)
        previous_cwd = Path.cwd()
        database_url = f"sqlite:///{home / 'rollcall.db'}"
        environment = DemoEnvironment(
            home=home,
            database_url=database_url,
            kindertrack_url=sandbox.url,
            calendar=calendar,
            timezone=DEMO_TIMEZONE,
            env={
                "ROLLCALL_HOME": str(home),
                "ROLLCALL_DATABASE_URL": database_url,
                "ROLLCALL_KINDERTRACK_URL": sandbox.url,
                "ROLLCALL_KINDERTRACK_API_KEY": sandbox.api_key,
                "ROLLCALL_PAY_PERIOD_ANCHOR": calendar.anchor.isoformat(),
                "ROLLCALL_PAY_PERIOD_DAYS": str(calendar.length_days),
                "ROLLCALL_TIMEZONE": DEMO_TIMEZONE,
                # A short undo window: the demo shows Undo without waiting a minute.
                "ROLLCALL_UNDO_SECONDS": "3",
            },
        )
        _forget_cached_runtime(dispose=False)
        os.chdir(home)
        try:
            yield environment
        finally:
            os.chdir(previous_cwd)
            _forget_cached_runtime(dispose=True)
            sandbox.stop()


def _forget_cached_runtime(*, dispose: bool) -> None:
    """The CLI caches its settings and runtime per process: build them anew for the demo,
    and release the demo's (database connections, HTTP client) when it ends."""
    from cli.context import runtime

    if dispose and runtime.cache_info().currsize:
        rt = runtime()
        rt.engine.dispose()
        close = getattr(rt.kindertrack, "close", None)
        if callable(close):
            close()
    runtime.cache_clear()
    get_settings.cache_clear()
