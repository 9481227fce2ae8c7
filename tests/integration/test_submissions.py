"""Guarded submission against the real database: approve, send once, refuse twice."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from core.domain.submission import SubmissionState, same_records
from core.errors import (
    AlreadySubmitted,
    InvalidInput,
    KinderTrackUnavailable,
    OutcomeUnknown,
    PeriodLocked,
    Unauthorized,
    UndoTooLate,
)
from core.ports import SubmissionReceipt
from core.services import (
    approvals,
    check_ins,
    imports,
    reports,
    schools,
    sending,
    stays,
    students,
    submissions,
)
from core.services.runtime import Runtime
from core.store.tables import Submission
from tests.fakes import UNAVAILABLE, FakeKinderTrack, FrozenClock
from tests.fixtures.database import CALENDAR
from tests.statements import statements

START, END = date(2026, 11, 8), date(2026, 11, 21)
CSV = (
    "student,check_in,check_out\n"
    "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"
    "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"
)


def _ready_school(rt: Runtime) -> int:
    school = schools.add_school(rt, name="Sunny Days")
    sid = school.id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    imports.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def submission_row(rt: Runtime, submission_id: int) -> Submission:
    """The stored row as the database holds it now."""
    with rt.session() as session:
        row = session.get(Submission, submission_id)
    assert row is not None
    return row


def test_approve_then_run_submits_once_and_locks_the_period(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)

    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert result.submission.record_count == 2
    assert len(fake_kindertrack.submissions) == 1
    with pytest.raises(AlreadySubmitted, match="already been submitted"):
        approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    with pytest.raises(PeriodLocked, match="866-448-4605"):
        check_ins.check_in(
            rt, school_id=sid, student_name="Ava Smith", at="2026-11-12T08:00", actor="t"
        )


def test_double_approval_returns_the_same_submission(rt: Runtime) -> None:
    sid = _ready_school(rt)

    first = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    second = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U2")

    assert first.id == second.id
    assert second.approved_by == "U1"


def test_an_approval_made_by_an_older_rollcall_is_voided_as_such(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    # Given an approval whose fingerprint an older Rollcall made (plain SHA-256 hex)
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    with rt.session() as session:
        row = session.get(Submission, view.id)
        assert row is not None and row.fingerprint.startswith("v2-")
        row.fingerprint = "0123456789abcdef" * 4
        session.add(row)

    # When a worker picks it up
    result = sending.run_submission(rt, submission_id=view.id)

    # Then nothing is sent, and the director is told why, truthfully
    assert result.submission.state is SubmissionState.DRAFT
    assert "Rollcall was updated since this approval" in (result.submission.error or "")
    assert "attendance changed" not in (result.submission.error or "")
    assert fake_kindertrack.posts == 0


def test_an_approval_without_its_records_is_judged_again_and_sent(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    """An approval made before the records were kept with it (migration 0015) has no
    report version: the claim reads the report again and sends what it shows."""
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    with rt.session() as session:
        row = session.get(Submission, view.id)
        assert row is not None
        row.approved_payload, row.report_version = None, None
        session.add(row)

    with statements(db) as sent:
        result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert any("FROM attendance" in s for s in sent)  # the report was read again
    assert fake_kindertrack.posts == 1 and result.submission.record_count == 2


def test_a_change_after_approval_voids_it(rt: Runtime, fake_kindertrack: FakeKinderTrack) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    stays.edit_record(rt, school_id=sid, record_id=1, check_out="2026-11-09T17:00", actor="t")
    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.DRAFT
    assert "voided" in (result.submission.error or "")
    assert fake_kindertrack.posts == 0


def test_outcome_unknown_is_reconciled_without_a_resend(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    fake_kindertrack.commit_then_fail = True
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert fake_kindertrack.posts == 1


def test_unavailable_releases_for_retry_then_succeeds(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    fake_kindertrack.fail_next.append(UNAVAILABLE)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    with pytest.raises(KinderTrackUnavailable):
        sending.run_submission(rt, submission_id=view.id)
    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.APPROVED
    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert len(fake_kindertrack.submissions) == 1


def test_inactive_provider_is_rejected_at_once(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.providers["12345"] = fake_kindertrack.providers["54321"].__class__(
        "12345", "Sunny Days", False
    )

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.REJECTED
    assert result.submission.error == "Inactive KinderTrack provider ID."
    with pytest.raises(InvalidInput, match="Inactive"):
        approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")


class TakenOverKinderTrack(FakeKinderTrack):
    """While the first worker's request is in flight, its lease expires and another worker
    (the sweep's) takes the submission over and finishes it; then the first one's answer
    arrives: ``late`` (None: the replayed 201; else that error)."""

    def __init__(self, rt: Runtime, clock: FrozenClock, late: Exception | None) -> None:
        super().__init__()
        self.rt, self.clock, self.late, self.nested = rt, clock, late, False

    def submit_attendance(self, *args: Any, **kwargs: Any) -> SubmissionReceipt:
        if not self.nested:
            self.nested = True
            self.clock.advance(self.rt.submission_lease + timedelta(seconds=1))
            sending.run_submission(self.rt, submission_id=1)
            if self.late is not None:
                raise self.late
        return super().submit_attendance(*args, **kwargs)


@pytest.mark.parametrize("late", [None, AlreadySubmitted()])
def test_a_worker_whose_lease_was_taken_over_changes_nothing(
    rt: Runtime, clock: FrozenClock, late: Exception | None
) -> None:
    kt = TakenOverKinderTrack(rt, clock, late)
    rt.kindertrack = kt
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    stale = sending.run_submission(rt, submission_id=view.id)

    assert stale.changed is False
    final = submissions.get_submission(rt, submission_id=view.id)
    assert final.state is SubmissionState.SUBMITTED
    assert final.error is None
    assert len(kt.submissions) == 1


def test_an_unknown_outcome_that_cannot_be_checked_keeps_the_period_locked(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.fail_next.append(OutcomeUnknown("502 after sending"))
    checks = {"n": 0}
    real_find = fake_kindertrack.find_submissions

    def find_once_down(*args: Any) -> list[SubmissionReceipt]:
        checks["n"] += 1
        if checks["n"] == 1:
            raise KinderTrackUnavailable("down")
        return real_find(*args)

    fake_kindertrack.find_submissions = find_once_down  # type: ignore[method-assign,assignment]

    with pytest.raises(KinderTrackUnavailable):
        sending.run_submission(rt, submission_id=view.id)

    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.SUBMITTING
    with pytest.raises(PeriodLocked, match="is being submitted"):
        check_ins.check_in(
            rt, school_id=sid, student_name="Ava Smith", at="2026-11-12T08:00", actor="t"
        )
    result = sending.run_submission(rt, submission_id=view.id)
    assert result.submission.state is SubmissionState.SUBMITTED
    assert len(fake_kindertrack.submissions) == 1


def test_what_kindertrack_holds_stays_what_was_sent_after_a_reapproval(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    # Given a first attempt KinderTrack recorded although Rollcall saw a failure
    sid = _ready_school(rt)
    first = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.commit_then_fail = True
    real_find = fake_kindertrack.find_submissions
    fake_kindertrack.find_submissions = lambda *a: []  # type: ignore[method-assign]
    with pytest.raises(KinderTrackUnavailable):
        sending.run_submission(rt, submission_id=first.id)
    fake_kindertrack.find_submissions = real_find  # type: ignore[method-assign]
    sent_first = submissions.sent_records(rt, submission_id=first.id)
    # And a director who then changed the attendance and approved again
    stays.edit_record(rt, school_id=sid, record_id=2, check_out="2026-11-10T13:00", actor="t")
    again = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    # When the worker runs again
    result = sending.run_submission(rt, submission_id=again.id)

    # Then reconciliation finds the first attempt, and "what was sent" is what KinderTrack has
    assert result.submission.state is SubmissionState.SUBMITTED
    assert submissions.sent_records(rt, submission_id=again.id) == sent_first
    assert fake_kindertrack.posts == 1


def test_children_kindertrack_refused_are_kept_and_shown(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    real_submit = fake_kindertrack.submit_attendance

    def refusing(*args: Any, **kwargs: Any) -> SubmissionReceipt:
        receipt = real_submit(*args, **kwargs)
        return replace(receipt, accepted=0, rejected=[("123456", "outside authorization")])

    fake_kindertrack.submit_attendance = refusing  # type: ignore[method-assign]

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.accepted == 0
    assert result.submission.refused == (("123456", "outside authorization"),)
    shown = submissions.get_submission(rt, submission_id=view.id)
    assert shown.refused == (("123456", "outside authorization"),)


def test_a_refused_api_key_is_the_operators_to_fix_not_a_rejection(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.fail_next.append(Unauthorized())

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.APPROVED
    assert "ROLLCALL_KINDERTRACK_API_KEY" in (result.submission.error or "")


def test_an_unknown_provider_is_rejected_and_marks_the_registration_inactive(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    del fake_kindertrack.providers["12345"]

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.REJECTED
    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert report.provider_status.value == "inactive"


def test_the_sweep_redrives_a_stuck_row_once_per_idle_period(
    rt: Runtime, clock: FrozenClock
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    clock.advance(timedelta(minutes=3))

    first = sending.stuck_submissions(rt, idle_for=timedelta(minutes=2))
    clock.advance(timedelta(minutes=1))
    second = sending.stuck_submissions(rt, idle_for=timedelta(minutes=2))

    assert first == [view.id]
    assert second == []


def test_the_sweep_waits_out_a_directors_undo_window_but_not_the_operators_send(
    rt: Runtime, clock: FrozenClock
) -> None:
    rt.undo_window = timedelta(seconds=60)
    sid = _ready_school(rt)
    idle = timedelta(seconds=3)

    # Given the operator's `submit --yes` whose queued message was lost (Redis was down)
    operator = approvals.approve(
        rt, school_id=sid, start=START, end=END, approved_by="cli", undoable=False
    )
    clock.advance(timedelta(seconds=5))
    # Then the sweep re-drives it as soon as it is idle: nobody can undo it
    assert operator.undo_until is None and approvals.undo_deadline(rt, operator) is None
    assert sending.stuck_submissions(rt, idle_for=idle) == [operator.id]

    # Given instead a director's approval from Slack (the operator's taken back first)
    approvals.withdraw(rt, school_id=sid, start=START, end=END)
    director = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    clock.advance(timedelta(seconds=5))
    # Then the sweep leaves it alone for its whole window, and takes it after
    assert approvals.undo_deadline(rt, director) is not None
    assert sending.stuck_submissions(rt, idle_for=idle) == []
    clock.advance(timedelta(seconds=56))
    assert sending.stuck_submissions(rt, idle_for=idle) == [director.id]


class SlowKinderTrack(FakeKinderTrack):
    """A send that takes ``seconds`` of real time; ``during`` runs while it is in flight."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.during: list[Any] = []

    def submit_attendance(self, *args: Any, **kwargs: Any) -> SubmissionReceipt:
        if self.during:  # a second sender (a takeover): answer at once
            return super().submit_attendance(*args, **kwargs)
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            self.during.append(self.check())
            time.sleep(self.seconds / 4)
        return super().submit_attendance(*args, **kwargs)

    def check(self) -> Any:
        return None


@pytest.mark.slow  # waits out a real lease
def test_a_live_worker_keeps_its_lease_through_a_send_longer_than_the_lease(
    db: Engine,
) -> None:
    # Given a 0.6 s lease and a send that takes 2 s (real time, real database)
    kt = SlowKinderTrack(2.0)
    rt = Runtime(
        engine=db, kindertrack=kt, calendar=CALENDAR, submission_lease=timedelta(seconds=0.6)
    )
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    def another_worker() -> tuple[list[int], bool]:
        stuck = sending.stuck_submissions(rt, idle_for=timedelta(0))
        return stuck, sending.run_submission(rt, submission_id=view.id).changed

    kt.check = another_worker  # type: ignore[method-assign]

    # When the worker sends while the sweep and another worker look at the row
    result = sending.run_submission(rt, submission_id=view.id)

    # Then nobody took it over: the lease was renewed all along, one POST, submitted
    assert result.submission.state is SubmissionState.SUBMITTED
    assert kt.during == [([], False)] * len(kt.during)
    assert len(kt.during) >= 4
    assert kt.posts == 1


def _race_undo_and_claim(
    rt: Runtime, sid: int, submission_id: int, *, lead: float
) -> tuple[submissions.SubmissionView | UndoTooLate | None, submissions.SubmissionView]:
    """Undo and a worker's claim released together; a positive ``lead`` (seconds) holds the
    claim back that long, a negative one holds Undo back."""
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def undo() -> None:
        barrier.wait(timeout=10)
        time.sleep(max(0.0, -lead))
        try:
            results["undo"] = approvals.withdraw(rt, school_id=sid, start=START, end=END)
        except UndoTooLate as refused:
            results["undo"] = refused

    def claim() -> None:
        barrier.wait(timeout=10)
        time.sleep(max(0.0, lead))
        results["run"] = sending.run_submission(rt, submission_id=submission_id).submission

    threads = [threading.Thread(target=undo), threading.Thread(target=claim)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results["undo"], results["run"]


def test_an_undo_racing_a_claim_in_threads_is_withdrawn_or_refused_never_both(
    rt: Runtime, fake_kindertrack: FakeKinderTrack, clock: FrozenClock
) -> None:
    """Undo and a worker's claim started together, Undo a little later each round (from
    100 ms ahead to a second behind):
    either the approval is withdrawn and the claim finds a draft (nothing sent), or the
    claim took it and Undo is refused (sent once). Never both, never neither."""
    rt.undo_window = timedelta(seconds=60)
    sid = _ready_school(rt)
    outcomes: list[str] = []
    leads = (0.1, 0.03, 0.01, 0.005, 0.002, 0.0, 0.0, -0.002, -0.005, -0.01, -0.03, -1.0)
    for lead in leads:
        view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
        clock.advance(rt.undo_window)  # the window has just ended: a worker may claim

        undone, run = _race_undo_and_claim(rt, sid, view.id, lead=lead)

        if isinstance(undone, UndoTooLate):
            assert run.state is SubmissionState.SUBMITTED
            outcomes.append("refused")
            break
        assert undone is not None and undone.state is SubmissionState.DRAFT
        assert run.state is SubmissionState.DRAFT  # the claim found nothing to send
        assert fake_kindertrack.posts == 0
        outcomes.append("withdrawn")

    # Withdrawn rounds never sent; once the claim won, the period was sent exactly once
    assert outcomes[0] == "withdrawn" and outcomes[-1] == "refused", outcomes
    assert fake_kindertrack.posts == 1 and len(fake_kindertrack.submissions) == 1
    final = submissions.submission_status(rt, school_id=sid, start=START, end=END)
    assert final is not None and final.state is SubmissionState.SUBMITTED


def test_a_submission_is_claimed_in_one_transaction_and_recorded_in_one_statement(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    """Nothing changed since the approval: the claim locks the school (reading its report
    version), reads the submission and makes its one write, with no report to judge; the
    answer is recorded by one fenced UPDATE. At 32 submissions in flight every statement
    is a wait for the GIL and the database (issue 12)."""
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    with statements(db) as sent:
        result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    work = [s for s in sent if not s.lstrip().upper().startswith("BEGIN")]
    assert [s.lstrip().split()[0].upper() for s in work] == ["SELECT"] * 2 + ["UPDATE"] * 2
    assert "FROM school" in work[0] and "FROM submission" in work[0]  # the lock, found
    assert "report_version" in work[0]
    fence = work[-1].split("WHERE", 1)[1]
    assert "submission.state" in fence and "submission.attempts" in fence
    assert len(fake_kindertrack.submissions) == 1


def test_what_is_sent_is_exactly_what_was_approved(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    stored = submission_row(rt, view.id)
    approved = json.loads(stored.approved_payload or "[]")

    sending.run_submission(rt, submission_id=view.id)

    assert len(approved) == 2
    assert fake_kindertrack.posts == 1
    (held,) = fake_kindertrack.records.values()
    assert same_records(held, approved)
    final = submissions.submission_status(rt, school_id=sid, start=START, end=END)
    assert final is not None and final.state is SubmissionState.SUBMITTED


def test_a_change_elsewhere_in_the_school_is_judged_again_and_still_sent(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    """A check-in in the next pay period moves the school's report version: the claim
    reads and judges the report again, finds the approved records unchanged, and sends."""
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    check_ins.check_in(
        rt, school_id=sid, student_name="Ava Smith", at="2026-11-24T08:00", actor="t"
    )

    with statements(db) as sent:
        result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert any("FROM attendance" in s for s in sent)  # the report was read again
    assert fake_kindertrack.posts == 1


def test_a_write_that_forgets_to_void_the_approval_is_still_caught(
    rt: Runtime, db: Engine, fake_kindertrack: FakeKinderTrack
) -> None:
    """A code path that changed approved attendance without voiding the approval (here,
    SQL behind Rollcall's back) still moves the version the database keeps: the claim
    judges the report again, sees the change and sends nothing."""
    sid = _ready_school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    with db.begin() as connection:
        connection.execute(
            text("UPDATE attendance SET check_out = check_in WHERE school_id = :sid"),
            {"sid": sid},
        )

    result = sending.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.DRAFT
    assert "voided" in (result.submission.error or "")
    assert fake_kindertrack.posts == 0
