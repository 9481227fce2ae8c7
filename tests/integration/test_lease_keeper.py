"""One thread per process renews the leases of every submission the process is sending."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session

from core.domain.submission import SubmissionState
from core.services import schools
from core.services.leases import LeaseKeeper
from core.services.runtime import Runtime
from core.store.tables import Submission
from tests.fakes import FrozenClock

LEASE = timedelta(seconds=0.3)
START, END = date(2026, 11, 8), date(2026, 11, 21)


def _row(
    rt: Runtime,
    name: str,
    *,
    state: SubmissionState = SubmissionState.SUBMITTING,
    attempts: int = 1,
    lease: bool = True,
) -> int:
    """A submission of a school of its own, claimed by attempt ``attempts``."""
    school_id = schools.add_school(rt, name=name).id or 0
    with Session(rt.engine) as session:
        row = Submission(
            school_id=school_id,
            period_start=START,
            period_end=END,
            state=str(state),
            provider_id="12345",
            fingerprint="f",
            idempotency_key=f"rollcall:12345:{name}",
            attempts=attempts,
            lease_until=rt.now() + LEASE if lease else None,
        )
        session.add(row)
        session.commit()
        return row.id or 0


def _lease_of(rt: Runtime, submission_id: int) -> datetime | None:
    with Session(rt.engine) as session:
        row = session.get(Submission, submission_id)
        assert row is not None
        return row.lease_until


def _keepers() -> int:
    return sum(thread.name == "lease-keeper" for thread in threading.enumerate())


def _soon(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_one_thread_renews_every_claim_held_and_stops_when_none_is(
    rt: Runtime, clock: FrozenClock
) -> None:
    # Given three submissions this process claimed, with a 0.3 s lease
    rt = replace(rt, submission_lease=LEASE)
    ids = [_row(rt, f"School {n}") for n in range(3)]
    keeper = LeaseKeeper()
    before = _keepers()

    with ExitStack() as held:
        for submission_id in ids:
            held.enter_context(keeper.kept(rt, submission_id, 1))
        # When time passes while their KinderTrack calls are in flight
        clock.advance(timedelta(minutes=1))

        # Then every lease is renewed from now, by one thread for all three
        renewed = clock.now + LEASE
        assert _soon(lambda: all(_lease_of(rt, i) == renewed for i in ids))
        assert _keepers() - before == 1

    # And once no claim is held the thread ends and nothing is renewed any more
    assert _soon(lambda: not keeper.renewing())
    clock.advance(timedelta(minutes=1))
    time.sleep(3 * LEASE.total_seconds())
    assert [_lease_of(rt, i) for i in ids] == [renewed] * 3


def test_a_claim_taken_over_settled_or_given_up_is_not_renewed(
    rt: Runtime, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Given claims of attempt 1 on rows a newer attempt took over, that were submitted,
    # whose lease was given up (the sweep is to reconcile them), and one still owned
    rt = replace(rt, submission_lease=LEASE)
    taken_over = _row(rt, "Taken", attempts=2)
    settled = _row(rt, "Settled", state=SubmissionState.SUBMITTED)
    given_up = _row(rt, "Given up", lease=False)
    owned = _row(rt, "Owned")
    leases = {i: _lease_of(rt, i) for i in (taken_over, settled, given_up)}
    keeper = LeaseKeeper()
    caplog.set_level(logging.INFO, logger="core.services.leases")

    # When the keeper renews while all four are held
    with ExitStack() as held:
        for submission_id in (taken_over, settled, given_up, owned):
            held.enter_context(keeper.kept(rt, submission_id, 1))
        clock.advance(timedelta(minutes=1))
        assert _soon(lambda: _lease_of(rt, owned) == clock.now + LEASE)

    # Then only the owned one was renewed, and the keeper let go of the others, saying so
    assert {i: _lease_of(rt, i) for i in leases} == leases
    left = {
        r.__dict__["submission_id"]
        for r in caplog.records
        if r.__dict__.get("event") == "lease_left"
    }
    assert left == {taken_over, settled, given_up}
