"""Wire settings, the database, KinderTrack and a notifier into a ``Runtime``.

Entry points (CLI, workers, Slack app) call ``build_runtime`` once; tests build their own
``Runtime`` with fakes or real adapters as they need.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from sqlalchemy import Engine

from core.config import Settings, get_settings
from core.domain.pay_periods import PayPeriodCalendar
from core.ports import KinderTrack, Notifier
from core.services.runtime import CollectingNotifier, Runtime
from core.store.database import make_engine, migrate


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and pool) per database URL per process, migrated on first use."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def kindertrack_for(settings: Settings) -> KinderTrack:
    from kindertrack.client import HttpKinderTrack

    return HttpKinderTrack.from_settings(settings)


def calendar_for(settings: Settings) -> PayPeriodCalendar:
    return PayPeriodCalendar(settings.pay_period_anchor, settings.pay_period_days)


def build_runtime(
    settings: Settings | None = None,
    *,
    notifier: Notifier | None = None,
    kindertrack: KinderTrack | None = None,
) -> Runtime:
    settings = settings or get_settings()
    return Runtime(
        engine=engine_for(settings.resolved_database_url),
        kindertrack=kindertrack or kindertrack_for(settings),
        calendar=calendar_for(settings),
        notifier=notifier or CollectingNotifier(),
        default_timezone=settings.default_timezone,
        submission_lease=timedelta(seconds=settings.submission_lease_seconds),
    )
