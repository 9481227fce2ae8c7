"""A school's pay periods for a Slack listener: from the cache, never from KinderTrack.

A KinderTrack call may take its whole deadline (20 s) and Bolt answers Slack from a few
listener threads, so a listener reads the periods Rollcall cached and, when they are old or
do not reach today, has a worker ask KinderTrack (``workers.actors.refresh_pay_periods``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.permissions import SchoolAccess
from bot.runtime import runtime
from core.domain.pay_periods import PayPeriods
from core.errors import PeriodsNotCached
from core.services.periods import periods_as_cached, school_today
from workers import dispatch


@dataclass(frozen=True)
class SchoolDay:
    """Today in the school's zone and the school's periods as cached."""

    today: date
    periods: PayPeriods


def school_day(access: SchoolAccess, *, refresh: bool = True) -> SchoolDay:
    """Today and the cached periods; an old cache is refreshed by a worker (``refresh``
    False: the caller hands the period to a worker that refreshes them itself). Raises
    PeriodsNotCached (after asking a worker) when the cache does not reach today."""
    rt = runtime()
    today = school_today(rt, access.timezone)
    try:
        cached = periods_as_cached(rt, school_id=access.school_id, around=today)
    except PeriodsNotCached:
        dispatch.enqueue_period_refresh(access.school_id, today)
        raise
    if cached.refresh_due and refresh:
        dispatch.enqueue_period_refresh(access.school_id, today)
    return SchoolDay(today, cached.periods)
