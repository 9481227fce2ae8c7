"""Ports: what the domain needs from the outside world, as Protocols.

Adapters (the httpx KinderTrack client, the Slack notifier) implement these; tests use
small fakes.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple, Protocol, runtime_checkable

from core.notices import Notice


@dataclass(frozen=True)
class ProviderInfo:
    provider_id: str
    name: str
    active: bool
    authorized: bool = True
    """False when KinderTrack withheld the name: the provider has not authorized Rollcall."""


@dataclass(frozen=True)
class RosterChild:
    child_id: str
    first_name: str
    last_name: str
    authorized_from: date | None = None
    authorized_to: date | None = None
    birth_date: date | None = None
    units_per_day: int | None = None
    """Authorized half-day units a day (contract version 2), when KinderTrack says."""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class SubmittedRecord(NamedTuple):
    """One stay as KinderTrack receives it (a tuple: a report makes thousands)."""

    child_id: str
    check_in: datetime
    check_out: datetime


class SubmittedAbsence(NamedTuple):
    """A child's day away as KinderTrack receives it (contract v2):
    ``{"child_id","date","absence"}`` with ``absent``, ``holiday`` or ``closed``."""

    child_id: str
    day: date
    absence: str


Sendable = SubmittedRecord | SubmittedAbsence
"""What a submission carries: stays and absences."""


@dataclass(frozen=True)
class SubmissionReceipt:
    submission_id: str
    received_at: datetime
    accepted: int
    period_start: date | None = None
    period_end: date | None = None
    rejected: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HeldSubmission:
    """A submission as KinderTrack holds it (contract v2): its receipt and the records as
    received, each a JSON object as KinderTrack returned it."""

    receipt: SubmissionReceipt
    records: tuple[Mapping[str, object], ...]


class KinderTrack(Protocol):
    """KinderTrack's integration API (docs/KINDERTRACK.md). Errors are those of ``core.errors``."""

    def get_provider(self, provider_id: str) -> ProviderInfo:
        """Raises ProviderNotFound for an unknown ID."""
        ...

    def authorize_provider(
        self, provider_id: str, link_code: str, *, username: str | None = None
    ) -> ProviderInfo:
        """Prove Rollcall acts for the provider with its one-time link code (contract
        version 2). Raises InvalidLinkCode, ProviderNotFound or InactiveProvider."""
        ...

    def list_children(self, provider_id: str) -> list[RosterChild]:
        """Raises ProviderNotAuthorized when the provider has not authorized Rollcall."""
        ...

    def list_pay_periods(self, start: date, end: date) -> list[tuple[date, date]]: ...

    def list_provider_pay_periods(
        self, provider_id: str, start: date, end: date
    ) -> list[tuple[date, date]]:
        """This provider's own billing periods (biweekly or monthly) that touch
        [start, end], as (first day, last day) (contract version 2)."""
        ...

    def submit_attendance(
        self,
        provider_id: str,
        period_start: date,
        period_end: date,
        records: Sequence[Sendable],
        *,
        idempotency_key: str,
    ) -> SubmissionReceipt:
        """Raises AlreadySubmitted, InactiveProvider, SubmissionInvalid (never retry),
        KinderTrackUnavailable (nothing was committed: retry) or OutcomeUnknown
        (maybe committed: reconcile with ``find_submissions`` before any resend)."""
        ...

    def find_submissions(
        self, provider_id: str, period_start: date, period_end: date
    ) -> list[SubmissionReceipt]: ...

    def get_submission(self, provider_id: str, submission_id: str) -> HeldSubmission | None:
        """What KinderTrack holds under ``submission_id``, records included; None if nothing."""
        ...


class Notifier(Protocol):
    """Tells directors what a worker did (``core.notices``); Slack's is ``bot.notifier``."""

    def notify(self, notice: Notice) -> None: ...


@runtime_checkable
class BatchNotifier(Notifier, Protocol):
    """A notifier that delivers many notices for the price of a few database reads (the
    reminder pass): the lookups every notice needs are made once for the batch."""

    def notify_each(self, notices: Sequence[Notice]) -> Generator[Exception | None, None, None]:
        """Deliver ``notices`` in order, yielding after each one its outcome: None when it
        was delivered, else the error that stopped it (the next ones are still tried)."""
        ...
