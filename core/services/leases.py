"""Submission leases kept alive while KinderTrack calls are in flight: one thread per
process renews every claim the process holds (docs/ARCHITECTURE.md, the submission protocol).

A claim sets a lease (``Runtime.submission_lease``); while the claim is held, the keeper
renews it every third of a lease, all the process's claims in one statement, fenced by
attempt: a claim taken over (a newer attempt) or given up (its lease cleared, so the sweep
reconciles it at once) is never renewed again. A worker killed or frozen renews nothing,
so the sweep takes its submissions over one lease later. The thread starts with the first
claim held and ends when none is left.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import tuple_, update
from sqlmodel import col

from core.domain.submission import SubmissionState
from core.services.runtime import Runtime
from core.store.tables import Submission

log = logging.getLogger(__name__)

Claim = tuple[int, int]
"""A submission's ID and the attempt number its claim owns."""

SHORTEST_INTERVAL_S = 0.1


class LeaseKeeper:
    """The claims a process holds, and the one thread that renews their leases."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)
        self._renewing = threading.Lock()
        """Held while a renewal runs: a claim released waits for it, so nothing of that
        claim is renewed once the holder has left its block."""
        self._held: dict[Claim, Runtime] = {}
        self._thread: threading.Thread | None = None

    @contextmanager
    def kept(self, rt: Runtime, submission_id: int, attempt: int) -> Iterator[None]:
        """Keep this claim's lease renewed until the block ends."""
        claim = (submission_id, attempt)
        with self._lock:
            self._held[claim] = rt
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lease-keeper", daemon=True)
                self._thread.start()
        try:
            yield
        finally:
            with self._renewing, self._lock:
                self._held.pop(claim, None)
                self._released.notify_all()

    def renewing(self) -> bool:
        """Whether the renewal thread is running (for tests and health)."""
        with self._lock:
            return self._thread is not None

    def _run(self) -> None:
        due: float | None = None
        while True:
            with self._lock:
                if not self._held:
                    self._thread = None
                    return
                now = time.monotonic()
                if due is None:
                    due = now + self._interval_s()
                if now < due:
                    self._released.wait(due - now)
                    continue
                due = None
            self._renew()

    def _interval_s(self) -> float:
        """A third of the shortest lease held (called with the lock held)."""
        shortest = min(rt.submission_lease.total_seconds() for rt in self._held.values())
        return max(shortest / 3, SHORTEST_INTERVAL_S)

    def _renew(self) -> None:
        with self._renewing:
            with self._lock:
                by_runtime: dict[int, tuple[Runtime, list[Claim]]] = {}
                for claim, rt in self._held.items():
                    by_runtime.setdefault(id(rt), (rt, []))[1].append(claim)
            for rt, claims in by_runtime.values():
                try:
                    renewed = renew_leases(rt, claims)
                except Exception:  # the next round tries again; the lease covers one call
                    for submission_id, _attempt in claims:
                        log.warning(
                            "could not renew a submission lease",
                            extra={"event": "lease_renewal_failed", "submission_id": submission_id},
                        )
                    continue
                self._let_go(claims, renewed)

    def _let_go(self, claims: list[Claim], renewed: set[int]) -> None:
        """Stop renewing the claims whose row moved on (taken over, settled or given up)."""
        with self._lock:
            for claim in claims:
                if claim[0] not in renewed and self._held.pop(claim, None) is not None:
                    log.info(
                        "submission lease no longer renewed: the row moved on",
                        extra={
                            "event": "lease_left",
                            "submission_id": claim[0],
                            "attempt": claim[1],
                        },
                    )


def renew_leases(rt: Runtime, claims: list[Claim]) -> set[int]:
    """Renew the leases of these claims that still own their row (submitting, same attempt,
    a lease not given up), in one statement; returns the IDs renewed."""
    if not claims:
        return set()
    now = rt.now()
    with rt.statement() as session:
        rows = session.execute(
            update(Submission)
            .where(
                col(Submission.state) == str(SubmissionState.SUBMITTING),
                col(Submission.lease_until).is_not(None),
                tuple_(col(Submission.id), col(Submission.attempts)).in_(claims),
            )
            .values(lease_until=now + rt.submission_lease, updated_at=now)
            .returning(col(Submission.id))
            .execution_options(synchronize_session=False)
        )
        return {int(submission_id) for (submission_id,) in rows}


#: The process's keeper: every submission a process sends is renewed by this one thread.
keeper = LeaseKeeper()
