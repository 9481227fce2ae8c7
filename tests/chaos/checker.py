"""The exactly-once verdict on one trial's history: what KinderTrack holds (the sandbox's
own state file), what the database says, and the dead letters.

Pure: the harness gathers the facts, this says what is wrong with them (nothing, when the
trial was exactly-once).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from core.domain.submission import same_records

Period = tuple[str, date, date]
"""(provider ID, period start, period end)."""

Records = Sequence[Mapping[str, object]]


@dataclass(frozen=True)
class Held:
    """One submission the sandbox holds."""

    provider_id: str
    start: date
    end: date
    submission_id: str
    records: Records


@dataclass(frozen=True)
class Row:
    """One submission row of the database."""

    provider_id: str
    start: date
    end: date
    state: str
    kindertrack_submission_id: str | None
    records: Records


def check(
    approved: Mapping[Period, Records],
    held: Sequence[Held],
    rows: Sequence[Row],
    *,
    dead_letters: int,
) -> list[str]:
    """Everything that is not exactly-once; [] when the trial held.

    ``approved``: each (provider, period) that was approved, with the records approved.
    Each must be held by KinderTrack exactly once with exactly those records, and the
    database must say ``submitted`` with KinderTrack's ID and those records. Nothing may
    be held for a period never approved, nothing left approved or submitting, nothing
    rejected, nothing dead-lettered.
    """
    problems: list[str] = []
    by_period: dict[Period, list[Held]] = {}
    for item in held:
        by_period.setdefault((item.provider_id, item.start, item.end), []).append(item)
    for period, records in sorted(approved.items()):
        name = _name(period)
        copies = by_period.get(period, [])
        if len(copies) != 1:
            problems.append(f"{name}: KinderTrack holds {len(copies)} submissions, not 1")
            continue
        (copy,) = copies
        if not same_records(copy.records, records):
            problems.append(f"{name}: KinderTrack holds other records than those approved")
        live = [r for r in rows if (r.provider_id, r.start, r.end) == period]
        submitted = [r for r in live if r.state == "submitted"]
        if len(submitted) != 1:
            problems.append(f"{name}: the database has {len(submitted)} submitted rows, not 1")
            continue
        (row,) = submitted
        if row.kindertrack_submission_id != copy.submission_id:
            problems.append(
                f"{name}: the database says {row.kindertrack_submission_id!r}, "
                f"KinderTrack holds {copy.submission_id!r}"
            )
        if not same_records(row.records, records):
            problems.append(f"{name}: the database's sent records are not those approved")
    for period, copies in sorted(by_period.items()):
        if period not in approved:
            problems.append(f"{_name(period)}: KinderTrack holds {len(copies)}, none approved")
    for row in rows:
        if row.state not in ("submitted", "draft"):
            problems.append(f"{_name((row.provider_id, row.start, row.end))}: left {row.state}")
    if dead_letters:
        problems.append(f"{dead_letters} message(s) dead-lettered")
    return problems


def _name(period: Period) -> str:
    provider, start, end = period
    return f"{provider} {start}..{end}"
