"""Guarded submission against the real database: approve, send once, refuse twice."""

from __future__ import annotations

from datetime import date

import pytest

from core.domain.submission import SubmissionState
from core.errors import AlreadySubmitted, InvalidInput, KinderTrackUnavailable, PeriodLocked
from core.services import attendance, schools, students, submissions
from core.services.runtime import Runtime
from tests.fakes import UNAVAILABLE, FakeKinderTrack

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
    attendance.import_csv(rt, school_id=sid, content=CSV, actor="t")
    return sid


def test_approve_then_run_submits_once_and_locks_the_period(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)

    view = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    result = submissions.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert result.submission.record_count == 2
    assert len(fake_kindertrack.submissions) == 1
    with pytest.raises(AlreadySubmitted, match="already been submitted"):
        submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    with pytest.raises(PeriodLocked, match="866-448-4605"):
        attendance.check_in(
            rt, school_id=sid, student="Ava Smith", at="2026-11-12T08:00", actor="t"
        )


def test_double_approval_returns_the_same_submission(rt: Runtime) -> None:
    sid = _ready_school(rt)

    first = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    second = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U2")

    assert first.id == second.id
    assert second.approved_by == "U1"


def test_a_change_after_approval_voids_it(rt: Runtime, fake_kindertrack: FakeKinderTrack) -> None:
    sid = _ready_school(rt)
    view = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    attendance.edit_record(rt, school_id=sid, record_id=1, check_out="2026-11-09T17:00", actor="t")
    result = submissions.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.DRAFT
    assert "voided" in (result.submission.error or "")
    assert fake_kindertrack.posts == 0


def test_outcome_unknown_is_reconciled_without_a_resend(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    fake_kindertrack.commit_then_fail = True
    view = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    result = submissions.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert fake_kindertrack.posts == 1


def test_unavailable_releases_for_retry_then_succeeds(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    fake_kindertrack.fail_next.append(UNAVAILABLE)
    view = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    with pytest.raises(KinderTrackUnavailable):
        submissions.run_submission(rt, submission_id=view.id)
    assert submissions.get_submission(rt, submission_id=view.id).state is SubmissionState.APPROVED
    result = submissions.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.SUBMITTED
    assert len(fake_kindertrack.submissions) == 1


def test_inactive_provider_is_rejected_at_once(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    sid = _ready_school(rt)
    view = submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    fake_kindertrack.providers["12345"] = fake_kindertrack.providers["54321"].__class__(
        "12345", "Sunny Days", False
    )

    result = submissions.run_submission(rt, submission_id=view.id)

    assert result.submission.state is SubmissionState.REJECTED
    assert result.submission.error == "Inactive KinderTrack provider ID."
    with pytest.raises(InvalidInput, match="Inactive"):
        submissions.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
