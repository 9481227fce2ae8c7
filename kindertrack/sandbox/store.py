"""What the sandbox remembers: submissions, once per (provider, pay period).

The check "is this period submitted?" and the insert happen under one lock, and the
file is replaced atomically (temp file + ``os.replace``) before memory changes, so a
crash leaves either the old state or the new one, never half of it.
"""

from __future__ import annotations

import enum
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kindertrack.sandbox.files import replace_atomically


class Outcome(enum.Enum):
    COMMITTED = "committed"
    REPLAY = "replay"
    ALREADY_SUBMITTED = "already_submitted"
    KEY_REUSED = "key_reused"


@dataclass(frozen=True)
class StoredSubmission:
    provider_id: str
    period_start: str
    period_end: str
    idempotency_key: str
    fingerprint: str
    answer: dict[str, Any]
    records: list[dict[str, str]]

    @property
    def period_key(self) -> tuple[str, str, str]:
        return self.provider_id, self.period_start, self.period_end


class SubmissionStore:
    """Thread-safe submissions, persisted to ``path`` (when given) and reloaded from it."""

    def __init__(self, path: Path | None = None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._submissions: list[StoredSubmission] = []
        # Indexes, so that no lookup scans every submission of a state.
        self._by_period: dict[tuple[str, str, str], int] = {}
        self._by_key: dict[tuple[str, str], int] = {}
        self._by_id: dict[tuple[str, str], StoredSubmission] = {}
        self._by_provider: dict[str, list[StoredSubmission]] = {}
        if path is not None and path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            for item in raw["submissions"]:
                self._index(StoredSubmission(**item))

    def _index(self, stored: StoredSubmission) -> None:
        position = len(self._submissions)
        self._submissions.append(stored)
        self._by_period.setdefault(stored.period_key, position)
        self._by_key.setdefault((stored.provider_id, stored.idempotency_key), position)
        submission_id = stored.answer.get("submission_id")
        if submission_id is not None:
            self._by_id.setdefault((stored.provider_id, str(submission_id)), stored)
        self._by_provider.setdefault(stored.provider_id, []).append(stored)

    def submit(
        self, candidate: StoredSubmission, *, honour_key: bool = True
    ) -> tuple[Outcome, StoredSubmission | None]:
        """Commit ``candidate`` unless its period is taken; says what happened, and to what.

        The same key and body as the stored submission is a replay of it; anything else
        for a submitted period is refused, and a key reused for another period is refused.
        ``honour_key=False`` is a KinderTrack that ignores ``Idempotency-Key``: a replay is
        refused as already submitted.
        """
        with self._lock:
            # The first stored submission of the same period or (same provider's) key.
            matches = [self._by_period.get(candidate.period_key)]
            if honour_key:
                matches.append(self._by_key.get((candidate.provider_id, candidate.idempotency_key)))
            found = [position for position in matches if position is not None]
            if found:
                existing = self._submissions[min(found)]
                same_period = existing.period_key == candidate.period_key
                same_key = honour_key and existing.idempotency_key == candidate.idempotency_key
                if same_period and same_key and existing.fingerprint == candidate.fingerprint:
                    return Outcome.REPLAY, existing
                if same_period:
                    return Outcome.ALREADY_SUBMITTED, existing
                return Outcome.KEY_REUSED, existing
            self._persist([*self._submissions, candidate])
            self._index(candidate)
            return Outcome.COMMITTED, candidate

    def find(
        self, provider_id: str, period_start: str | None = None, period_end: str | None = None
    ) -> list[StoredSubmission]:
        with self._lock:
            return [
                s
                for s in self._by_provider.get(provider_id, ())
                if period_start in (None, s.period_start) and period_end in (None, s.period_end)
            ]

    def get(self, provider_id: str, submission_id: str) -> StoredSubmission | None:
        with self._lock:
            return self._by_id.get((provider_id, submission_id))

    def _persist(self, submissions: list[StoredSubmission]) -> None:
        if self._path is None:
            return
        payload = json.dumps({"submissions": [asdict(s) for s in submissions]}, indent=1)
        replace_atomically(self._path, payload)


class Stats:
    """Counters that let tests prove what the sandbox saw (e.g. that nothing was resent)."""

    NAMES = (
        "requests",
        "submission_posts",
        "commits",
        "replays",
        "conflicts",
        "failures_injected",
        "drops",
        "abandoned",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts = dict.fromkeys(self.NAMES, 0)

    def bump(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)
