"""KinderTrack's roster of a provider, kept for a short while.

Why: Slack asks the link menu for options on every keystroke, and each answer needs the
roster. Reading it from KinderTrack each time makes typing slow and spends the vendor
API's requests on nothing new. A roster read (the link modal opening, a sync) is kept
for :data:`ROSTER_TTL`; a menu within that time reuses it. Which children are already
linked is still read from the database on every keystroke, so a child linked meanwhile
is never offered again. Kept per process, keyed by provider ID: callers check the school
belongs to the requesting workspace before asking.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from core.ports import RosterChild

ROSTER_TTL = timedelta(seconds=60)


class RosterCache:
    def __init__(self, ttl: timedelta = ROSTER_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._rosters: dict[str, tuple[datetime, tuple[RosterChild, ...]]] = {}

    def store(self, provider_id: str, roster: Sequence[RosterChild], *, now: datetime) -> None:
        """Keep a roster just read from KinderTrack."""
        with self._lock:
            self._rosters[provider_id] = (now, tuple(roster))

    def read(
        self,
        provider_id: str,
        *,
        now: datetime,
        fetch: Callable[[str], Sequence[RosterChild]],
    ) -> tuple[RosterChild, ...]:
        """The kept roster while it is younger than the TTL, else ``fetch``-ed (and kept)."""
        with self._lock:
            kept = self._rosters.get(provider_id)
        if kept is not None and timedelta(0) <= now - kept[0] < self.ttl:
            return kept[1]
        roster = tuple(fetch(provider_id))
        self.store(provider_id, roster, now=now)
        return roster
