"""What KinderTrack says is checked before it is believed (issue 8, item 4).

Real database, the sandbox over real HTTP, and where the sandbox behaves too well, a
misbehaving KinderTrack in front of it (``kindertrack_proxy``). Each case ends with
KinderTrack holding exactly one submission for the period and the database agreeing.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import Engine

from core.config import Settings
from core.domain.submission import SubmissionState
from core.errors import InvalidInput, KinderTrackUnavailable, OutcomeUnknown, PeriodLocked
from core.ports import SubmittedRecord
from core.services import (
    approvals,
    imports,
    reports,
    schools,
    sending,
    stays,
    students,
    submissions,
)
from core.services.runtime import Runtime
from kindertrack.client import HttpKinderTrack
from kindertrack.sandbox import RunningSandbox
from tests.fixtures.database import CALENDAR
from tests.fixtures.sandbox import SandboxHarness
from tests.integration.kindertrack_proxy import Misbehaviour, misbehaving

pytestmark = pytest.mark.slow  # the KinderTrack sandbox over real HTTP

START, END = date(2026, 11, 8), date(2026, 11, 21)
EARLIER = (date(2026, 10, 25), date(2026, 11, 7))
CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"
)
PORTAL_RECORD = SubmittedRecord(
    "123456",
    datetime(2026, 11, 9, 14, 0, tzinfo=UTC),
    datetime(2026, 11, 9, 20, 0, tzinfo=UTC),
)


def _client(url: str, api_key: str, *, deadline_s: float = 10.0) -> HttpKinderTrack:
    return HttpKinderTrack(
        base_url=url,
        api_key=api_key,
        timeout=httpx.Timeout(5.0, connect=2.0),
        deadline_s=deadline_s,
        max_retries=1,
        initial_backoff_s=0.01,
        max_backoff_s=0.05,
    )


def _ready(db: Engine, url: str, api_key: str) -> tuple[Runtime, int]:
    rt = Runtime(engine=db, kindertrack=_client(url, api_key), calendar=CALENDAR)
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return rt, sid


def _held(target: RunningSandbox, sandbox: SandboxHarness) -> list[str]:
    """The IDs KinderTrack holds for the period, asked of the sandbox itself."""
    return [r.submission_id for r in sandbox.client(target).find_submissions("12345", START, END)]


def _drive(rt: Runtime, submission_id: int, *, tries: int = 4) -> submissions.SubmissionView:
    """Run the submission as the worker's retries would, until it settles."""
    for _ in range(tries):
        try:
            sending.run_submission(rt, submission_id=submission_id)
        except KinderTrackUnavailable:
            continue
        break
    return submissions.get_submission(rt, submission_id=submission_id)


@pytest.mark.parametrize("committed", [False, True], ids=["post-lost", "post-committed"])
def test_a_receipt_of_another_period_is_never_taken_as_ours(
    db: Engine, sandbox: SandboxHarness, committed: bool
) -> None:
    # Given KinderTrack holds the provider's previous period, and lists it whatever the
    # period asked for; and our POST's answer is lost (the POST itself lost or committed)
    sandbox.client().submit_attendance("12345", *EARLIER, [], idempotency_key="earlier")
    rules = Misbehaviour(list_ignores_period=True, drop_first_post_answer=True)
    if not committed:
        rules = Misbehaviour(list_ignores_period=True, lose_first_post=True)
    with misbehaving(sandbox.url, rules) as url:
        rt, sid = _ready(db, url, sandbox.api_key)
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

        # When the worker runs (and retries)
        final = _drive(rt, view.id)

    # Then our period is submitted once, with KinderTrack's ID for our period
    assert final.state is SubmissionState.SUBMITTED
    assert _held(sandbox.main, sandbox) == [final.kindertrack_submission_id]
    assert sandbox.stats()["commits"] == 2  # the earlier period, and ours once


def test_a_409_answering_our_own_resend_is_reconciled_not_rejected(
    db: Engine, sandbox: SandboxHarness
) -> None:
    # Given a KinderTrack that ignores Idempotency-Key (a replay gets 409), whose list lags
    # behind its commits, and that drops the answer to our first POST after committing it
    kt = sandbox.start(ignore_idempotency_key=True)
    rules = Misbehaviour(drop_first_post_answer=True, lagging_lists=2)
    with misbehaving(kt.url, rules) as url:
        rt, sid = _ready(db, url, kt.api_key)
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

        # When the first attempt sees nothing held (the list lags) and the second resends
        with pytest.raises(OutcomeUnknown):
            sending.run_submission(rt, submission_id=view.id)
        final = _drive(rt, view.id)

    # Then the 409 is reconciled: KinderTrack holds our records, so it is submitted
    stats = kt.stats()
    assert stats["conflicts"] == 1
    assert stats["commits"] == 1
    assert final.state is SubmissionState.SUBMITTED
    assert final.error is None
    assert _held(kt, sandbox) == [final.kindertrack_submission_id]


@pytest.mark.parametrize("ignore_key", [False, True], ids=["dedupes", "ignores-key"])
def test_a_portal_submission_is_told_to_the_director_never_recorded_as_ours(
    db: Engine, sandbox: SandboxHarness, ignore_key: bool
) -> None:
    # Given someone submitted the period in the KinderTrack portal (other records)
    kt = sandbox.start(ignore_idempotency_key=ignore_key)
    portal = sandbox.client(kt).submit_attendance(
        "12345", START, END, [PORTAL_RECORD], idempotency_key="portal-session-1"
    )
    rt, sid = _ready(db, kt.url, kt.api_key)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    # When Rollcall's worker sends
    result = sending.run_submission(rt, submission_id=view.id)

    # Then it is its own outcome: nothing recorded as ours, the director told whom to call
    final = result.submission
    assert result.changed
    assert final.state is SubmissionState.REJECTED
    assert final.held_elsewhere_id == portal.submission_id
    assert final.kindertrack_submission_id is None
    assert final.error is not None
    assert "Rollcall did not send" in final.error
    assert "866-448-4605" in final.error
    assert _held(kt, sandbox) == [portal.submission_id]
    assert kt.stats()["commits"] == 1


def test_a_period_submitted_in_the_portal_is_closed_like_a_submitted_one(
    db: Engine, sandbox: SandboxHarness
) -> None:
    # Given the portal's submission of the period made Rollcall's attempt its own outcome
    kt = sandbox.start()
    portal = sandbox.client(kt).submit_attendance(
        "12345", START, END, [PORTAL_RECORD], idempotency_key="portal-session-1"
    )
    rt, sid = _ready(db, kt.url, kt.api_key)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    assert sending.run_submission(rt, submission_id=view.id).submission.held_elsewhere_id

    # Then the period's attendance is read-only, with whom to call for a corrected claim
    record = stays.list_attendance(rt, school_id=sid, start=START, end=END)[0]
    with pytest.raises(PeriodLocked) as refused:
        stays.edit_record(
            rt, school_id=sid, record_id=record.id, check_out="2026-11-09T15:00", actor="t"
        )
    assert "Rollcall did not send" in str(refused.value)
    assert "866-448-4605" in str(refused.value)
    # and the report says it is submitted: it offers no approval, and none is taken
    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert report.already_submitted
    assert not report.can_submit
    with pytest.raises(InvalidInput, match="already submitted"):
        approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U2")
    # while the period before stays open, and KinderTrack holds only the portal's
    earlier = "student,check_in,check_out\nAva Smith,2026-11-02T08:00,2026-11-02T12:00\n"
    assert imports.import_csv(rt, school_id=sid, content=earlier, actor="t").added == 1
    assert _held(kt, sandbox) == [portal.submission_id]
    assert kt.stats()["commits"] == 1


def test_a_long_submission_id_is_stored_whole(db: Engine, sandbox: SandboxHarness) -> None:
    long_id = "kt_" + "7" * 197
    with misbehaving(sandbox.url, Misbehaviour(receipt_id=long_id)) as url:
        rt, sid = _ready(db, url, sandbox.api_key)
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

        result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    stored = submissions.get_submission(rt, submission_id=view.id)
    assert stored.kindertrack_submission_id == long_id
    assert len(long_id) == 200


def test_a_body_sent_a_byte_a_second_ends_at_the_deadline(sandbox: SandboxHarness) -> None:
    # Given a KinderTrack that answers 200 at once, then one body byte a second
    with misbehaving(sandbox.url, Misbehaviour(trickle_s=1.0)) as url:
        client = _client(url, sandbox.api_key, deadline_s=2.0)

        # When a read and a submission are made with a 2 s deadline (5 s per network read)
        started = time.monotonic()
        with pytest.raises(KinderTrackUnavailable, match="within 2 s"):
            client.get_provider("12345")
        read_took = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(OutcomeUnknown):
            client.submit_attendance(
                "12345", START, END, [PORTAL_RECORD], idempotency_key="slow-body"
            )
        post_took = time.monotonic() - started
        client.close()

    # Then each call ends at its deadline, not when the body is done (~60 s)
    assert 1.9 <= read_took < 3.0
    assert 1.9 <= post_took < 3.0


def test_settings_refuse_a_lease_shorter_than_a_send() -> None:
    with pytest.raises(ValidationError, match="must be longer than"):
        Settings(
            _env_file=None,
            ROLLCALL_SUBMISSION_LEASE_SECONDS=10,
            ROLLCALL_KINDERTRACK_DEADLINE_SECONDS=20,
        )
    ok = Settings(_env_file=None)
    assert ok.submission_lease_seconds > ok.kindertrack_deadline_s
