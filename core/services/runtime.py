"""What a use case needs from the outside world, wired once by ``rollcall.bootstrap``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from core.domain.pay_periods import PayPeriodCalendar
from core.notices import Notice
from core.ports import KinderTrack, Notifier
from core.services.roster_cache import RosterCache
from core.store.database import session_scope, statement_scope


def _utcnow() -> datetime:
    return datetime.now(UTC)


class CollectingNotifier:
    """Keeps notices in memory: for entry points that answer the director themselves (the
    CLI) and for tests that read what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[Notice] = []

    def notify(self, notice: Notice) -> None:
        self.sent.append(notice)


@dataclass
class Runtime:
    engine: Engine
    kindertrack: KinderTrack
    calendar: PayPeriodCalendar
    notifier: Notifier = field(default_factory=CollectingNotifier)
    clock: Callable[[], datetime] = _utcnow
    default_timezone: str = "America/Chicago"
    submission_lease: timedelta = timedelta(seconds=30)
    """How long a worker owns a submission it is sending, renewed while its KinderTrack
    calls are in flight; once it lapses the sweep may re-drive it (reconciling first).
    Longer than one KinderTrack call's deadline (core.config checks)."""
    undo_window: timedelta = timedelta(0)
    """How long after an approval a director may still withdraw it: no worker claims an
    approval younger than this (``ROLLCALL_UNDO_SECONDS``, 60 s in a deployed Rollcall;
    zero, sent as soon as a worker takes it, when a runtime is built without it)."""
    absence_allowance: int = 4
    """Absence days a month Iowa pays per child (``ROLLCALL_ABSENCE_DAYS_PER_MONTH``)."""
    rosters: RosterCache = field(default_factory=RosterCache)
    """KinderTrack rosters read a moment ago, for the link menu's every keystroke."""

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine) as session:
            yield session

    @contextmanager
    def statement(self) -> Iterator[Session]:
        """A session for one statement, which needs no transaction around it."""
        with statement_scope(self.engine) as session:
            yield session
