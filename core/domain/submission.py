"""The submission state machine (docs/ARCHITECTURE.md), the approval fingerprint, the
idempotency key.

draft → approved → submitting → submitted | rejected, and submitting → approved after a
failure that is safe to retry. A change to the approved records voids an approval
(approved → draft).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import overload

from core.domain.instants import to_seconds
from core.errors import RollcallError
from core.ports import Sendable, SubmittedAbsence, SubmittedRecord


class SubmissionState(StrEnum):
    DRAFT = "draft"
    APPROVED = "approved"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    REJECTED = "rejected"


_ALLOWED: dict[SubmissionState, frozenset[SubmissionState]] = {
    SubmissionState.DRAFT: frozenset({SubmissionState.APPROVED}),
    SubmissionState.APPROVED: frozenset({SubmissionState.SUBMITTING, SubmissionState.DRAFT}),
    SubmissionState.SUBMITTING: frozenset(
        {SubmissionState.SUBMITTED, SubmissionState.REJECTED, SubmissionState.APPROVED}
    ),
    SubmissionState.SUBMITTED: frozenset(),
    SubmissionState.REJECTED: frozenset(),
}

LOCKING_STATES = frozenset({SubmissionState.SUBMITTING, SubmissionState.SUBMITTED})
"""States in which the period's attendance is read-only."""

OPEN_STATES = frozenset({SubmissionState.APPROVED, SubmissionState.SUBMITTING})
"""States in which the database says a submission is still owed (the sweep re-drives them)."""


class InvalidTransition(RollcallError):
    pass


def can_transition(current: SubmissionState, target: SubmissionState) -> bool:
    return target in _ALLOWED[current]


def check_transition(current: SubmissionState, target: SubmissionState) -> SubmissionState:
    if not can_transition(current, target):
        raise InvalidTransition(f"A submission cannot go from {current} to {target}.")
    return target


def canonical_records(records: Iterable[Sendable]) -> list[dict[str, str]]:
    """The records as sent: sorted, instants in UTC ISO 8601 with offset; a child's
    absences as ``{"child_id","date","absence"}`` after their stays."""
    rows = [_canonical(r) for r in records]
    rows.sort(
        key=lambda row: (
            row["child_id"],
            "date" in row,
            row.get("check_in") or row["date"],
            row.get("check_out", ""),
        )
    )
    return rows


def _canonical(record: Sendable) -> dict[str, str]:
    if isinstance(record, SubmittedAbsence):
        return {
            "child_id": record.child_id,
            "date": record.day.isoformat(),
            "absence": record.absence,
        }
    return {
        "child_id": record.child_id,
        "check_in": record.check_in.astimezone(UTC).isoformat(),
        "check_out": record.check_out.astimezone(UTC).isoformat(),
    }


def sendable_of(row: dict[str, str]) -> Sendable:
    """A record as :func:`canonical_records` wrote it, read back."""
    if "absence" in row:
        return SubmittedAbsence(row["child_id"], date.fromisoformat(row["date"]), row["absence"])
    return SubmittedRecord(
        row["child_id"],
        datetime.fromisoformat(row["check_in"]),
        datetime.fromisoformat(row["check_out"]),
    )


class EncodedRecords(Sequence[Sendable]):
    """A submission's records as stored, in the JSON :func:`canonical_records` wrote: the
    text itself goes to KinderTrack, so what is sent is what was approved, byte for byte,
    and a claim pays for no decoding and encoding again. Read as records only when asked
    (a count is read from the JSON without building them)."""

    __slots__ = ("_rows", "text")

    def __init__(self, text: str) -> None:
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ValueError("stored records must be a JSON list")
        self.text = text
        self._rows: list[dict[str, str]] = rows

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> Sendable: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sendable]: ...

    def __getitem__(self, index: int | slice) -> Sendable | list[Sendable]:
        if isinstance(index, slice):
            return [sendable_of(row) for row in self._rows[index]]
        return sendable_of(self._rows[index])

    def __iter__(self) -> Iterator[Sendable]:
        return (sendable_of(row) for row in self._rows)

    def __repr__(self) -> str:
        return f"EncodedRecords({len(self)} records)"


def _comparable(record: Mapping[str, object]) -> str:
    """One record with every instant in UTC, as a sortable string."""
    normal: dict[str, object] = {}
    for name, value in record.items():
        if isinstance(value, str) and "T" in value:
            try:
                instant = datetime.fromisoformat(value)
            except ValueError:
                instant = None
            if instant is not None and instant.utcoffset() is not None:
                value = instant.astimezone(UTC).isoformat()
        normal[name] = value
    return json.dumps(normal, sort_keys=True, separators=(",", ":"))


def same_records(
    held: Iterable[Mapping[str, object]], sent: Iterable[Mapping[str, object]]
) -> bool:
    """Whether KinderTrack holds exactly the records Rollcall sent: the same records in any
    order, an instant equal to another written with any offset. This is how a submission
    KinderTrack holds is told to be Rollcall's (KinderTrack does not return the
    idempotency key): a submission of other records was not sent by Rollcall."""
    return sorted(map(_comparable, held)) == sorted(map(_comparable, sent))


Stay = tuple[str, int, int]
"""One record as an approval covers it: (child ID, check-in, check-out) in whole seconds
since the Unix epoch."""


def stays_of(records: Iterable[SubmittedRecord]) -> list[Stay]:
    """Records as an approval covers them (instants in any zone, to the second)."""
    return [(r.child_id, to_seconds(r.check_in), to_seconds(r.check_out)) for r in records]


FINGERPRINT_VERSION = "v2-"
"""How fingerprints are made now (SHA-256 of the stays in seconds). An approval stored with
a fingerprint of another form was made by an older Rollcall: it is voided as such, not as
a change to the attendance."""


AbsenceDay = tuple[str, str, str]
"""A child's absence as an approval covers it: (child ID, ISO date, kind)."""


def fingerprint(
    provider_id: str,
    period_start: date,
    period_end: date,
    stays: Iterable[Stay],
    absences: Iterable[AbsenceDay] = (),
) -> str:
    """A digest of exactly what an approval covers; any change to the records or the
    absences changes it (a period without absences digests as it did before absences).
    64 characters: the version, then the SHA-256 in hex, cut to fit."""
    digest = hashlib.sha256(
        f"{provider_id}|{period_start.isoformat()}|{period_end.isoformat()}".encode()
    )
    digest.update(json.dumps(sorted(stays), separators=(",", ":")).encode())
    away = sorted(absences)
    if away:
        digest.update(b"|absences|" + json.dumps(away, separators=(",", ":")).encode())
    return FINGERPRINT_VERSION + digest.hexdigest()[: 64 - len(FINGERPRINT_VERSION)]


def is_current_fingerprint(value: str) -> bool:
    """Was ``value`` made the way :func:`fingerprint` makes them now?"""
    return value.startswith(FINGERPRINT_VERSION)


def idempotency_key(provider_id: str, period_start: date, period_end: date) -> str:
    """One key per (provider, period), the same for every retry, worker and restart."""
    return f"rollcall:{provider_id}:{period_start.isoformat()}:{period_end.isoformat()}"
