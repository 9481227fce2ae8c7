"""Small fakes of the ports, for tests of use cases (no mocks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from core.domain.pay_periods import PayPeriod, PayPeriodCalendar
from core.domain.submission import canonical_records
from core.errors import (
    AlreadySubmitted,
    InactiveProvider,
    InvalidLinkCode,
    KinderTrackUnavailable,
    OutcomeUnknown,
    ProviderNotFound,
)
from core.ports import (
    HeldSubmission,
    ProviderInfo,
    RosterChild,
    Sendable,
    SubmissionReceipt,
)


@dataclass
class FrozenClock:
    """A clock tests move by hand; starts on a Wednesday after the 2026-11-08 period."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 25, 18, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class FakeKinderTrack:
    """KinderTrack's behaviour as docs/KINDERTRACK.md describes it, in memory.

    ``fail_next`` queues exceptions the next submit raises; ``commit_then_fail`` makes the
    next submit commit and then raise OutcomeUnknown (a dropped connection).
    """

    providers: dict[str, ProviderInfo] = field(
        default_factory=lambda: {
            "12345": ProviderInfo("12345", "Sunny Days", True),
            "54321": ProviderInfo("54321", "Closed Center", False),
        }
    )
    children: dict[str, list[RosterChild]] = field(
        default_factory=lambda: {
            "12345": [
                RosterChild("123456", "Ava", "Smith", date(2026, 1, 1), date(2026, 12, 31)),
                RosterChild("234567", "José", "Núñez", date(2026, 1, 1), date(2026, 12, 31)),
                RosterChild("345678", "Liam", "Johnson", None, None),
            ]
        }
    )
    submissions: dict[tuple[str, date, date], tuple[str, SubmissionReceipt]] = field(
        default_factory=dict
    )
    link_codes: dict[str, set[str]] = field(default_factory=dict)
    """Per provider, the unused link codes; a provider without any accepts every code."""
    records: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    """The records KinderTrack holds, by submission ID."""
    posts: int = 0
    fail_next: list[Exception] = field(default_factory=list)
    commit_then_fail: bool = False
    honour_key: bool = True
    """False: a KinderTrack that ignores Idempotency-Key (a replay gets 409)."""

    def get_provider(self, provider_id: str) -> ProviderInfo:
        if provider_id not in self.providers:
            raise ProviderNotFound()
        return self.providers[provider_id]

    def authorize_provider(
        self, provider_id: str, link_code: str, *, username: str | None = None
    ) -> ProviderInfo:
        info = self.get_provider(provider_id)
        if not info.active:
            raise InactiveProvider()
        codes = self.link_codes.get(provider_id)
        if codes is not None:
            if link_code not in codes:
                raise InvalidLinkCode()
            codes.discard(link_code)
        return info

    def list_children(self, provider_id: str) -> list[RosterChild]:
        return list(self.children.get(provider_id, []))

    billing: dict[str, str] = field(default_factory=dict)
    """Provider ID -> "monthly"; any other provider bills biweekly from ``BIWEEKLY``."""
    period_asks: int = 0
    periods_down: bool = False

    def list_pay_periods(self, start: date, end: date) -> list[tuple[date, date]]:
        return []

    def list_provider_pay_periods(
        self, provider_id: str, start: date, end: date
    ) -> list[tuple[date, date]]:
        self.period_asks += 1
        if self.periods_down:
            raise UNAVAILABLE
        if self.billing.get(provider_id) == "monthly":
            return [(p.start, p.end) for p in months_between(start, end)]
        return [(p.start, p.end) for p in BIWEEKLY.between(start, end)]

    def submit_attendance(
        self,
        provider_id: str,
        period_start: date,
        period_end: date,
        records: Sequence[Sendable],
        *,
        idempotency_key: str,
    ) -> SubmissionReceipt:
        self.posts += 1
        if self.fail_next:
            raise self.fail_next.pop(0)
        if not self.get_provider(provider_id).active:
            raise InactiveProvider()
        slot = (provider_id, period_start, period_end)
        sent = canonical_records(records)
        if slot in self.submissions:
            key, receipt = self.submissions[slot]
            held = self.records[receipt.submission_id]
            if self.honour_key and key == idempotency_key and held == sent:
                return receipt
            raise AlreadySubmitted()
        receipt = SubmissionReceipt(
            submission_id=f"kt-{len(self.submissions) + 1}",
            received_at=datetime(2026, 11, 25, 18, 0, tzinfo=UTC),
            accepted=len(records),
            period_start=period_start,
            period_end=period_end,
        )
        self.submissions[slot] = (idempotency_key, receipt)
        self.records[receipt.submission_id] = sent
        if self.commit_then_fail:
            self.commit_then_fail = False
            raise OutcomeUnknown("connection dropped after sending")
        return receipt

    def find_submissions(
        self, provider_id: str, period_start: date, period_end: date
    ) -> list[SubmissionReceipt]:
        found = self.submissions.get((provider_id, period_start, period_end))
        return [found[1]] if found else []

    def get_submission(self, provider_id: str, submission_id: str) -> HeldSubmission | None:
        for (provider, _start, _end), (_key, receipt) in self.submissions.items():
            if provider == provider_id and receipt.submission_id == submission_id:
                return HeldSubmission(receipt, tuple(self.records[submission_id]))
        return None


BIWEEKLY = PayPeriodCalendar(date(2026, 1, 4), 14)
"""The settings' default calendar: a biweekly provider of the fakes bills by it."""


def months_between(start: date, end: date) -> list[PayPeriod]:
    """Calendar months touching [start, end]: a monthly-billing provider's periods."""
    months = []
    first = start.replace(day=1)
    while first <= end:
        following = (first + timedelta(days=32)).replace(day=1)
        months.append(PayPeriod(first, following - timedelta(days=1)))
        first = following
    return months


UNAVAILABLE = KinderTrackUnavailable("503 from KinderTrack")
