"""The Subsidy Report through the use case, on the real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from core.domain.report import ProviderStatus, RowStatus, SubsidyReport
from core.errors import InvalidInput
from core.ports import RosterChild
from core.services import approvals, imports, reports, schools, sending, students
from core.services.runtime import Runtime
from tests.fakes import FakeKinderTrack

START, END = date(2026, 11, 8), date(2026, 11, 21)
HEADER = "student,check_in,check_out\n"


def _school(rt: Runtime, *, register: bool = True) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    if register:
        schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    students.add_student(rt, school_id=sid, name="José Núñez", child_id="234567", actor="t")
    students.add_student(rt, school_id=sid, name="Mia Chen", actor="t")
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER
        + "Ava Smith,2026-11-09T08:00,2026-11-09T16:30\n"  # 8.5 h: 2 units
        + "Ava Smith,2026-11-10T08:00,2026-11-10T12:00\n"  # 4 h: 1 unit
        + "Mia Chen,2026-11-10T08:00,2026-11-10T12:00\n",
        actor="t",
    )
    return sid


def _report(rt: Runtime, sid: int, start: date = START, end: date = END) -> SubsidyReport:
    return reports.school_report(rt, school_id=sid, start=start, end=end)


def _statuses(report: SubsidyReport) -> dict[str, RowStatus]:
    return {row.student: row.status for row in report.rows}


def test_a_clean_period_can_be_submitted(rt: Runtime) -> None:
    sid = _school(rt)

    report = _report(rt, sid)

    assert report.provider_status is ProviderStatus.REGISTERED
    assert report.pay_period_match is True
    assert report.already_submitted is False
    assert report.can_submit is True
    assert _statuses(report) == {
        "Ava Smith": RowStatus.APPROVED,
        "José Núñez": RowStatus.NO_ATTENDANCE,
        "Mia Chen": RowStatus.UNAPPROVED,
    }
    ava = report.rows[0]
    assert (ava.days, ava.hours, ava.units, ava.errors) == (2, 12.5, 3, ())
    assert [r.child_id for r in report.records_to_send] == ["123456", "123456"]
    assert report.to_json()["can_submit"] is True


def test_without_a_provider_every_row_is_undefined(rt: Runtime) -> None:
    sid = _school(rt, register=False)

    report = _report(rt, sid)

    assert report.provider_status is ProviderStatus.UNREGISTERED
    assert set(_statuses(report).values()) == {RowStatus.UNDEFINED}
    assert report.can_submit is False
    assert "The school has no KinderTrack provider ID registered." in report.blocking_reasons


def test_an_inactive_provider_makes_rows_undefined(rt: Runtime) -> None:
    sid = _school(rt)
    with rt.session() as session:
        schools.mark_provider_inactive(session, school_id=sid)

    report = _report(rt, sid)

    assert report.provider_status is ProviderStatus.INACTIVE
    assert set(_statuses(report).values()) == {RowStatus.UNDEFINED}
    assert report.can_submit is False
    assert "Inactive KinderTrack provider ID." in report.blocking_reasons


def test_an_error_on_an_approved_row_blocks_submission(rt: Runtime) -> None:
    sid = _school(rt)
    imports.import_csv(
        rt,
        school_id=sid,
        content=HEADER
        + "Ava Smith,2026-11-09T09:00,2026-11-09T10:00\n"  # inside 08:00-16:30: overlap
        + "José Núñez,2026-11-12T08:00,\n",  # missing check-out
        actor="t",
    )

    report = _report(rt, sid)

    assert report.can_submit is False
    codes = sorted((e.student, e.code) for e in report.errors)
    assert codes == [
        ("Ava Smith", "overlap"),
        ("Ava Smith", "overlap"),
        ("José Núñez", "missing_check_out"),
    ]
    assert {row.student: row.errors for row in report.rows}["Ava Smith"] == ("overlap",)
    assert "2 approved children have attendance errors to fix." in report.blocking_reasons


def test_an_error_on_an_unapproved_row_does_not_block(rt: Runtime) -> None:
    sid = _school(rt)
    imports.import_csv(
        rt, school_id=sid, content=HEADER + "Mia Chen,2026-11-12T08:00,\n", actor="t"
    )

    report = _report(rt, sid)

    assert [e.code for e in report.errors] == ["missing_check_out"]
    assert report.can_submit is True
    assert not any(r.child_id is None for r in report.records_to_send)


def test_a_range_that_is_not_a_pay_period_cannot_be_submitted(rt: Runtime) -> None:
    sid = _school(rt)

    report = _report(rt, sid, START, date(2026, 11, 14))

    assert report.pay_period_match is False
    assert report.can_submit is False
    assert "The dates must match one pay period exactly." in report.blocking_reasons


def test_a_range_over_62_days_or_backwards_is_refused(rt: Runtime) -> None:
    sid = _school(rt)
    with pytest.raises(InvalidInput, match="ends"):
        _report(rt, sid, END, START)
    with pytest.raises(InvalidInput, match="at most 62 days"):
        _report(rt, sid, date(2026, 1, 4), date(2026, 12, 31))


def test_a_submitted_period_reports_already_submitted(rt: Runtime) -> None:
    sid = _school(rt)
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    sending.run_submission(rt, submission_id=view.id)

    report = _report(rt, sid)

    assert report.already_submitted is True
    assert report.can_submit is False
    assert "This pay period was already submitted." in report.blocking_reasons
    assert _report(rt, sid, date(2026, 11, 22), date(2026, 12, 5)).already_submitted is False


def test_the_report_reads_within_the_callers_transaction(rt: Runtime) -> None:
    sid = _school(rt)
    with Session(rt.engine) as session:
        report = reports.load_report(rt, session, school_id=sid, start=START, end=END)
    assert report.fingerprint == _report(rt, sid).fingerprint


def test_sync_stores_the_authorized_units_and_the_report_warns_per_day_over(
    rt: Runtime, fake_kindertrack: FakeKinderTrack
) -> None:
    # given KinderTrack authorizes Ava for 1 unit a day (she is 4: preschool rate)
    fake_kindertrack.children["12345"][0] = RosterChild(
        "123456", "Ava", "Smith", birth_date=date(2022, 3, 14), units_per_day=1
    )
    sid = _school(rt)
    students.sync_students(rt, school_id=sid, actor="t")  # already linked: facts refreshed

    report = _report(rt, sid)

    over = [w for w in report.warnings if w.code == "over_authorized_units"]
    assert [(w.student, w.message) for w in over] == [
        (
            "Ava Smith",
            "2026-11-09: 2 units of care, 1 over the 1 authorized a day; care beyond the "
            "authorization is not paid (estimate: $19.50 at Iowa's base preschool center rate).",
        )
    ]
    shown = report.to_json()["warnings"]
    assert isinstance(shown, list)
    assert "over_authorized_units" in [w["code"] for w in shown]

    # when KinderTrack raises the authorization, a link refreshes it and the warning goes
    fake_kindertrack.children["12345"][0] = RosterChild("123456", "Ava", "Smith", units_per_day=2)
    students.link_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    assert not [w for w in _report(rt, sid).warnings if w.code == "over_authorized_units"]
