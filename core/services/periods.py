"""Which day it is for a school: pay periods turn over at the school's local midnight."""

from __future__ import annotations

from datetime import date

from core.domain.instants import local_date, zone
from core.services.runtime import Runtime


def school_today(rt: Runtime, timezone: str) -> date:
    """Today's date in the school's time zone (by the runtime's clock)."""
    return local_date(rt.now(), zone(timezone))
