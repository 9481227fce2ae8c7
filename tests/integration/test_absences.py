"""Absences and closures on the real database: recorded, judged in the report, part of
what an approval covers, sent to the sandbox over real HTTP and held there."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest
from sqlmodel import col, select

from core.domain.stay_fix import StayFix
from core.domain.submission import SubmissionState
from core.errors import EditsRefused, ImportRefused, InvalidInput, NotFound, PeriodLocked
from core.services import (
    absences,
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
from core.store.tables import AuditEntry
from kindertrack.client import HttpKinderTrack

START, END = date(2026, 11, 8), date(2026, 11, 21)


def _school(rt: Runtime) -> int:
    sid = schools.add_school(rt, name="Sunny Days").id or 0
    schools.register_provider(rt, school_id=sid, provider_id="12345", actor="t")
    students.add_student(rt, school_id=sid, name="Ava Smith", child_id="123456", actor="t")
    days = [f"2026-11-{d:02d}" for d in (9, 10, 11, 12, 13, 16, 17, 18)]
    imports.import_csv(
        rt,
        school_id=sid,
        content="student,check_in,check_out\n"
        + "".join(f"Ava Smith,{d}T08:00,{d}T16:00\n" for d in days),
        actor="t",
    )
    return sid


def test_absences_and_a_closure_fill_the_weekdays_and_count_per_child(rt: Runtime) -> None:
    sid = _school(rt)
    before = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert [w.code for w in before.warnings] == ["not_recorded"]
    assert "Nov 19, Nov 20" in before.warnings[0].message

    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="t"
    )
    closed = absences.record_absence(
        rt, school_id=sid, student_name="*", day="2026-11-20", kind="closed", actor="t"
    )

    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert closed.student_name is None and closed.changed
    assert report.warnings == () and report.can_submit
    (row,) = report.rows
    assert (row.absences, row.allowance_used) == (1, 1)
    assert row.to_json()["absences"] == 1
    assert row.away == ((date(2026, 11, 19), "absent"), (date(2026, 11, 20), "closed"))


def test_attendance_on_an_absent_day_blocks_until_one_is_removed(rt: Runtime) -> None:
    sid = _school(rt)
    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-18", actor="t"
    )

    report = reports.school_report(rt, school_id=sid, start=START, end=END)

    assert [e.code for e in report.errors] == ["absent_and_present"]
    assert "2026-11-18" in report.errors[0].message
    assert not report.can_submit


def test_wrong_kinds_and_unknown_children_are_refused(rt: Runtime) -> None:
    sid = _school(rt)
    with pytest.raises(InvalidInput, match="whole center"):
        absences.record_absence(
            rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", kind="closed", actor="t"
        )
    with pytest.raises(InvalidInput, match="closure"):
        absences.record_absence(rt, school_id=sid, student_name="*", day="2026-11-19", actor="t")
    with pytest.raises(InvalidInput, match="absent, holiday or closed"):
        absences.record_absence(
            rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", kind="sick", actor="t"
        )
    with pytest.raises(NotFound):
        absences.record_absence(rt, school_id=sid, student_name="Zed", day="2026-11-19", actor="t")


def test_an_absence_voids_the_approval_and_is_read_only_once_submitted(
    rt: Runtime, kindertrack_client: HttpKinderTrack
) -> None:
    live = dataclasses.replace(rt, kindertrack=kindertrack_client)
    sid = _school(live)
    absences.record_absence(
        live, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="t"
    )
    first = approvals.approve(live, school_id=sid, start=START, end=END, approved_by="U1")

    # An absence recorded after approval changes what the approval covered: it is voided
    absences.record_absence(
        live, school_id=sid, student_name="*", day="2026-11-20", kind="holiday", actor="t"
    )
    voided = submissions.get_submission(live, submission_id=first.id)
    assert voided.state is SubmissionState.DRAFT

    view = approvals.approve(live, school_id=sid, start=START, end=END, approved_by="U1")
    result = sending.run_submission(live, submission_id=view.id)
    assert result.submission.state is SubmissionState.SUBMITTED

    # KinderTrack holds the absence records next to the stays
    held = kindertrack_client.get_submission(
        "12345", result.submission.kindertrack_submission_id or ""
    )
    assert held is not None
    away = sorted((r["date"], r["absence"]) for r in held.records if "absence" in r)
    assert away == [("2026-11-19", "absent"), ("2026-11-20", "holiday")]
    assert held.receipt.accepted == 10
    with pytest.raises(PeriodLocked, match="866-448-4605"):
        absences.record_absence(
            live, school_id=sid, student_name="Ava Smith", day="2026-11-16", actor="t"
        )


def test_an_import_records_absences_and_a_closure_all_or_nothing(rt: Runtime) -> None:
    sid = _school(rt)
    bad = (
        "student,check_in,check_out,absence\n"
        "Ava Smith,2026-11-19,,absent\n"
        "*,2026-11-20,,absent\n"
        "Ava Smith,2026-11-19T08:00,2026-11-19T09:00,holiday\n"
    )
    with pytest.raises(ImportRefused) as refused:
        imports.import_csv(rt, school_id=sid, content=bad, actor="t")
    assert [line for line, _ in refused.value.problems] == [3, 4]
    assert reports.school_report(rt, school_id=sid, start=START, end=END).rows[0].absences == 0

    good = (
        "student,check_in,check_out,absence\n"
        "Ava Smith,2026-11-19,,absent\n"
        "*,2026-11-20,,closed\n"
        "Ava Smith,2026-11-23T08:00,2026-11-23T12:00,\n"
    )
    result = imports.import_csv(rt, school_id=sid, content=good, actor="t")
    again = imports.import_csv(rt, school_id=sid, content=good, actor="t")

    assert (result.added, result.absences) == (1, 2)
    assert (again.added, again.duplicates, again.absences) == (0, 1, 0)
    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert report.rows[0].absences == 1 and report.warnings == ()


def test_each_absence_and_closure_change_is_audited_by_id(rt: Runtime) -> None:
    sid = _school(rt)

    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="t"
    )
    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", kind="holiday", actor="t"
    )
    absences.record_absence(
        rt, school_id=sid, student_name="*", day="2026-11-20", kind="closed", actor="t"
    )

    with rt.session() as session:
        audited = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.entity).in_(["absence", "closure"]))
            .order_by(col(AuditEntry.id))
        ).all()
        seen = [
            (
                a.entity,
                a.action,
                a.school_id,
                json.loads(a.before or "null"),
                json.loads(a.after or "null"),
            )
            for a in audited
        ]
    assert [(entity, action, school) for entity, action, school, _, _ in seen] == [
        ("absence", "create", sid),
        ("absence", "update", sid),
        ("closure", "create", sid),
    ]
    assert seen[1][3] == {"kind": "absent"} and seen[1][4]["kind"] == "holiday"
    assert seen[2][4] == {"day": "2026-11-20", "kind": "closed"}
    assert "Ava" not in str(seen)  # IDs only, never a child's name


def _audited(rt: Runtime, action: str) -> list[tuple[str, dict[str, object]]]:
    with rt.session() as session:
        rows = session.exec(
            select(AuditEntry)
            .where(col(AuditEntry.entity).in_(["absence", "closure"]), AuditEntry.action == action)
            .order_by(col(AuditEntry.id))
        ).all()
        return [(a.entity, json.loads(a.before or "null")) for a in rows]


def test_an_absence_or_closure_recorded_by_mistake_is_removed_and_audited(rt: Runtime) -> None:
    sid = _school(rt)
    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="t"
    )
    absences.record_absence(
        rt, school_id=sid, student_name="*", day="2026-11-20", kind="holiday", actor="t"
    )

    child = absences.delete_absence(
        rt, school_id=sid, student_name="ava smith", day="2026-11-19", actor="U1"
    )
    center = absences.delete_absence(
        rt, school_id=sid, student_name="*", day="2026-11-20", actor="U1"
    )

    assert (child.student_name, child.kind) == ("Ava Smith", "absent")
    assert (center.student_name, center.kind) == (None, "holiday")
    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert report.rows[0].away == () and report.rows[0].absences == 0
    audited = _audited(rt, "delete")
    assert [entity for entity, _ in audited] == ["absence", "closure"]
    assert audited[0][1]["kind"] == "absent" and audited[1][1] == {
        "day": "2026-11-20",
        "kind": "holiday",
    }
    assert "Ava" not in str(audited)  # IDs only
    # nothing recorded that day: refused, nothing written
    with pytest.raises(NotFound, match="No absence of Ava Smith is recorded on 2026-11-19"):
        absences.delete_absence(
            rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="U1"
        )
    with pytest.raises(NotFound, match="No closure"):
        absences.delete_absence(rt, school_id=sid, student_name="*", day="2026-11-20", actor="U1")
    assert len(_audited(rt, "delete")) == 2


def test_removing_an_absence_voids_the_approval_and_is_refused_once_submitted(
    rt: Runtime,
) -> None:
    sid = _school(rt)
    for day in ("2026-11-19", "2026-11-20"):
        absences.record_absence(rt, school_id=sid, student_name="Ava Smith", day=day, actor="t")
    first = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")

    absences.delete_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-20", actor="t"
    )
    assert submissions.get_submission(rt, submission_id=first.id).state is SubmissionState.DRAFT

    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-20", actor="t"
    )
    view = approvals.approve(rt, school_id=sid, start=START, end=END, approved_by="U1")
    sending.run_submission(rt, submission_id=view.id)
    with pytest.raises(PeriodLocked, match="866-448-4605"):
        absences.delete_absence(
            rt, school_id=sid, student_name="Ava Smith", day="2026-11-19", actor="t"
        )
    assert reports.school_report(rt, school_id=sid, start=START, end=END).rows[0].absences == 2


def test_review_fixes_mark_a_stay_absent_and_remove_a_day_away_all_or_nothing(
    rt: Runtime,
) -> None:
    sid = _school(rt)
    absences.record_absence(
        rt, school_id=sid, student_name="Ava Smith", day="2026-11-18", actor="t"
    )  # the child also attended on the 18th: absent_and_present
    pupil = stays.list_attendance(rt, school_id=sid, start=START, end=END)[0]
    on_17 = next(
        r
        for r in stays.list_attendance(rt, school_id=sid, start=START, end=END)
        if r.check_in.date() == date(2026, 11, 17)
    )
    removal = absences.AwayFix(pupil.student_id, date(2026, 11, 18))
    gone = absences.AwayFix(pupil.student_id, date(2026, 11, 12))  # nothing recorded then

    # One fix that cannot be made refuses them all
    with pytest.raises(EditsRefused) as refused:
        stays.fix_stays(
            rt,
            school_id=sid,
            fixes=[StayFix(on_17.id, absent=True)],
            away=[removal, gone],
            actor="U1",
        )
    assert list(refused.value.errors) == [(pupil.student_id, "away:2026-11-12")]
    assert len(stays.list_attendance(rt, school_id=sid, start=START, end=END)) == 8

    changed = stays.fix_stays(
        rt, school_id=sid, fixes=[StayFix(on_17.id, absent=True)], away=[removal], actor="U1"
    )

    report = reports.school_report(rt, school_id=sid, start=START, end=END)
    assert changed == 3  # the stay deleted, the absence on the 17th, the one on the 18th gone
    assert report.errors == () and report.rows[0].away == ((date(2026, 11, 17), "absent"),)
    assert len(stays.list_attendance(rt, school_id=sid, start=START, end=END)) == 7
    assert [entity for entity, _ in _audited(rt, "delete")] == ["absence"]
