"""The KinderTrack Subsidy Report (docs/DOMAIN.md, docs/CLI.md): rows, issues, totals,
can_submit.

The range is the pay period 2026-11-08 to 2026-11-21; "now" is 2026-11-25 12:00 CST.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pytest

from core.domain.attendance import Authorization, Record
from core.domain.report import (
    ProviderStatus,
    ReportIssue,
    ReportRow,
    RowStatus,
    Student,
    SubsidyReport,
    build_report,
)
from core.domain.submission import fingerprint, stays_of
from tests.unit.strategies import CHICAGO, local, record

START, END = date(2026, 11, 8), date(2026, 11, 21)
NOW = local("2026-11-25 12:00")

AVA = Student(1, "Ava Smith", "123456")
BEN = Student(2, "Ben Jones", None)  # no KinderTrack child ID
CARA = Student(3, "Cara Diaz", "234567")  # linked, no attendance

AVA_CLEAN = [
    record(11, "2026-11-09 08:00", "2026-11-09 13:30", student_id=1),
    record(12, "2026-11-10 08:00", "2026-11-10 12:00", student_id=1),
    record(13, "2026-11-10 13:00", "2026-11-10 14:00", student_id=1),
]
BEN_CLEAN = [record(21, "2026-11-09 09:00", "2026-11-09 11:00", student_id=2)]


def build(
    *,
    students: Sequence[Student] = (AVA, BEN, CARA),
    records: Sequence[Record] = (*AVA_CLEAN, *BEN_CLEAN),
    provider_status: ProviderStatus = ProviderStatus.REGISTERED,
    provider_id: str | None = "12345",
    pay_period_match: bool = True,
    already_submitted: bool = False,
    start: date = START,
    end: date = END,
    now: datetime = NOW,
) -> SubsidyReport:
    return build_report(
        school="Sunny Days",
        provider_id=provider_id,
        provider_status=provider_status,
        start=start,
        end=end,
        pay_period_match=pay_period_match,
        already_submitted=already_submitted,
        students=list(students),
        records=list(records),
        now=now,
        tz=CHICAGO,
    )


def as_json(report: SubsidyReport) -> dict[str, Any]:
    """The report as ``rollcall report --json`` prints it (and proof it serialises)."""
    document: dict[str, Any] = json.loads(json.dumps(report.to_json()))
    return document


def row(report: SubsidyReport, name: str) -> ReportRow:
    (found,) = [r for r in report.rows if r.student == name]
    return found


# --- statuses ---------------------------------------------------------------------------


def recorded(warnings: Iterable[ReportIssue]) -> list[ReportIssue]:
    """The warnings about what was recorded (not the weekdays with nothing recorded)."""
    return [w for w in warnings if w.code != "not_recorded"]


def test_each_student_gets_a_status_in_name_order() -> None:
    # Given a registered, active provider and three students
    report = build()
    # Then the linked child with attendance is approved, the unlinked one unapproved,
    # and the linked child without attendance has no attendance
    assert [(r.student, r.status) for r in report.rows] == [
        ("Ava Smith", RowStatus.APPROVED),
        ("Ben Jones", RowStatus.UNAPPROVED),
        ("Cara Diaz", RowStatus.NO_ATTENDANCE),
    ]
    assert [r.status.label for r in report.rows] == ["Approved", "Unapproved", "No attendance"]


def test_rows_sort_by_name_ignoring_case() -> None:
    students = [Student(5, "zoe Quinn", None), Student(6, "Adam Park", None), AVA]
    report = build(students=students, records=[])
    assert [r.student for r in report.rows] == ["Adam Park", "Ava Smith", "zoe Quinn"]


@pytest.mark.parametrize("status", [ProviderStatus.UNREGISTERED, ProviderStatus.INACTIVE])
def test_without_a_registered_active_provider_every_row_is_undefined(
    status: ProviderStatus,
) -> None:
    report = build(
        provider_status=status, provider_id=None if status == "unregistered" else "12345"
    )
    assert {r.status for r in report.rows} == {RowStatus.UNDEFINED}
    assert RowStatus.UNDEFINED.label == "-"
    # The hours are still computed, so the director sees what would be sent
    assert row(report, "Ava Smith").days == 2
    assert report.stay_records == ()


def test_an_unlinked_child_without_attendance_is_unapproved() -> None:
    report = build(students=[BEN], records=[])
    assert row(report, "Ben Jones").status is RowStatus.UNAPPROVED


# --- what belongs to the report ---------------------------------------------------------


def test_days_hours_and_units_add_up_per_local_day() -> None:
    # Given Ava: 5.5 h on the 9th (2 units); 4 h + 1 h on the 10th (1 unit);
    # 20 minutes on the 12th (1 unit)
    extra = record(14, "2026-11-12 07:00", "2026-11-12 07:20", student_id=1)
    report = build(records=[*AVA_CLEAN, extra])
    ava = row(report, "Ava Smith")
    assert ava.days == 3
    assert ava.seconds == int((5.5 + 5 + 1 / 3) * 3600)
    assert ava.hours == 10.83
    assert ava.units == 4
    assert report.total_units == 4
    assert report.total_hours == 10.83


def test_a_student_with_no_records_counts_nothing() -> None:
    cara = row(build(), "Cara Diaz")
    assert (cara.days, cara.seconds, cara.hours, cara.units, cara.errors) == (0, 0, 0.0, 0, ())


def test_records_outside_the_range_are_ignored() -> None:
    # Given stays the day before and the day after the period, and one inside it
    records = [
        record(31, "2026-11-07 08:00", "2026-11-07 12:00", student_id=1),
        record(32, "2026-11-22 08:00", "2026-11-22 12:00", student_id=1),
        record(33, "2026-11-21 22:00", "2026-11-22 02:00", student_id=1),  # checked in inside
    ]
    report = build(students=[AVA], records=records)
    ava = row(report, "Ava Smith")
    # Then only the stay checked in on the 21st counts (all 4 hours, past midnight)
    assert (ava.days, ava.hours, ava.units) == (1, 4.0, 1)
    assert [r.check_in for r in report.stay_records] == [local("2026-11-21 22:00")]


def test_a_linked_child_with_attendance_only_outside_the_range_has_no_attendance() -> None:
    outside = record(31, "2026-11-07 08:00", "2026-11-07 12:00", student_id=1)
    assert row(build(students=[AVA], records=[outside]), "Ava Smith").status is (
        RowStatus.NO_ATTENDANCE
    )


def test_range_edges_use_the_local_date_of_the_check_in() -> None:
    # 19:00 CST on 2026-11-21 is 01:00 UTC on the 22nd: still inside the period
    late = record(41, "2026-11-21 19:00", "2026-11-21 20:00", student_id=1)
    # 23:30 CST on 2026-11-07 is 05:30 UTC on the 8th: still outside
    early = record(42, "2026-11-07 23:30", "2026-11-08 01:00", student_id=1)
    ava = row(build(students=[AVA], records=[late, early]), "Ava Smith")
    assert (ava.days, ava.hours) == (1, 1.0)


def test_an_overlap_with_a_record_the_day_before_flags_the_record_in_range_only() -> None:
    # Given a night stay checked in the day before the period, overlapping a stay inside it
    before = record(51, "2026-11-07 22:00", "2026-11-08 06:00", student_id=1)
    inside = record(52, "2026-11-08 05:00", "2026-11-08 09:00", student_id=1)
    report = build(students=[AVA], records=[before, inside])
    # Then the in-range record carries the overlap and the one outside is not reported
    assert [(e.code, e.record_id, e.student) for e in report.errors] == [
        ("overlap", 52, "Ava Smith")
    ]
    assert "(record 51)" in report.errors[0].message
    assert row(report, "Ava Smith").errors == ("overlap",)
    assert not report.can_submit


def test_errors_of_records_outside_the_range_are_not_reported() -> None:
    # Given an open record from before the period (someone else's problem)
    stale = record(61, "2026-11-07 08:00", None, student_id=1)
    report = build(students=[AVA], records=[stale, *AVA_CLEAN])
    assert report.errors == ()
    assert report.can_submit


def test_day_warnings_do_not_reach_across_the_range_edges() -> None:
    # Given a 13-hour day the day before the period, and one inside it
    records = [
        record(71, "2026-11-07 06:00", "2026-11-07 19:00", student_id=1),
        record(72, "2026-11-09 06:00", "2026-11-09 19:00", student_id=1),
    ]
    report = build(students=[AVA], records=records)
    assert [(w.code, w.record_id) for w in recorded(report.warnings)] == [("long_day", None)]
    assert report.warnings[0].message.startswith("2026-11-09: 13.00 hours")


def test_outside_authorization_is_a_warning_that_does_not_block() -> None:
    student = Student(1, "Ava Smith", "123456", Authorization(date(2026, 11, 10), None))
    report = build(students=[student], records=AVA_CLEAN)
    assert [w.code for w in recorded(report.warnings)] == ["outside_authorization"]
    assert "2026-11-09" in report.warnings[0].message
    assert report.errors == ()
    assert report.can_submit


def test_each_error_code_is_listed_once_per_row_in_order_found() -> None:
    records = [
        record(81, "2026-11-09 08:00", "2026-11-09 12:00", student_id=1),
        record(82, "2026-11-09 08:00", "2026-11-09 12:00", student_id=1),
        record(83, "2026-11-10 08:00", None, student_id=1),
    ]
    report = build(students=[AVA], records=records)
    assert row(report, "Ava Smith").errors == ("missing_check_out", "overlap")
    assert sorted((e.code, e.record_id) for e in report.errors) == [
        ("missing_check_out", 83),
        ("overlap", 81),
        ("overlap", 82),
    ]


def test_an_open_record_from_today_is_not_an_error_and_not_sent() -> None:
    now = local("2026-11-20 15:00")
    records = [*AVA_CLEAN, record(91, "2026-11-20 08:00", None, student_id=1)]
    report = build(students=[AVA], records=records, now=now)
    assert report.errors == ()
    assert row(report, "Ava Smith").days == 3
    assert len(report.stay_records) == 3


# --- can_submit and blocking reasons ------------------------------------------------------


def test_a_clean_registered_exact_unsubmitted_period_can_be_submitted() -> None:
    report = build()
    assert report.can_submit
    assert report.blocking_reasons == []


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {"provider_status": ProviderStatus.UNREGISTERED, "provider_id": None},
            "The school has no KinderTrack provider ID registered.",
        ),
        ({"provider_status": ProviderStatus.INACTIVE}, "Inactive KinderTrack provider ID."),
        ({"pay_period_match": False}, "The dates must match one pay period exactly."),
        ({"already_submitted": True}, "This pay period was already submitted."),
        ({"students": [BEN, CARA]}, "No linked child has attendance in this period."),
        ({"records": BEN_CLEAN}, "No linked child has attendance in this period."),
        (
            {"records": [*AVA_CLEAN, record(19, "2026-11-09 12:00", "2026-11-09 11:00")]},
            "1 approved child has attendance errors to fix.",
        ),
    ],
)
def test_each_condition_alone_stops_submission_and_says_why(
    changes: dict[str, Any], reason: str
) -> None:
    report = build(**changes)
    assert not report.can_submit
    assert report.blocking_reasons == [reason]


def test_errors_of_approved_children_are_counted_in_the_reason() -> None:
    dan = Student(4, "Dan Lee", "345678")
    records = [
        *AVA_CLEAN,
        record(19, "2026-11-09 12:00", "2026-11-09 11:00", student_id=1),
        record(49, "2026-11-12 08:00", None, student_id=4),
    ]
    report = build(students=[AVA, dan], records=records)
    assert report.blocking_reasons == ["2 approved children have attendance errors to fix."]


def test_errors_of_an_unapproved_child_are_shown_but_do_not_block() -> None:
    # Given Ben (no child ID) with a duplicate record, and Ava clean
    duplicate = record(22, "2026-11-09 09:00", "2026-11-09 11:00", student_id=2)
    report = build(records=[*AVA_CLEAN, *BEN_CLEAN, duplicate])
    # Then Ben's overlap is listed, but nothing of his would be sent, so Ava's can go
    assert {(e.student, e.code) for e in report.errors} == {("Ben Jones", "overlap")}
    assert row(report, "Ben Jones").errors == ("overlap",)
    assert report.can_submit
    assert all(r.child_id == "123456" for r in report.stay_records)


def test_several_reasons_are_given_together() -> None:
    report = build(
        provider_status=ProviderStatus.INACTIVE, pay_period_match=False, already_submitted=True
    )
    assert report.blocking_reasons == [
        "Inactive KinderTrack provider ID.",
        "The dates must match one pay period exactly.",
        "This pay period was already submitted.",
    ]


def test_warnings_never_block() -> None:
    long_day = [record(11, "2026-11-09 05:00", "2026-11-09 18:00", student_id=1)]
    report = build(records=long_day)
    assert [w.code for w in recorded(report.warnings)] == ["long_day"]
    assert report.can_submit


def test_counts_by_status() -> None:
    report = build()
    assert report.count(RowStatus.APPROVED) == 1
    assert report.count(RowStatus.UNAPPROVED) == 1
    assert report.count(RowStatus.NO_ATTENDANCE) == 1
    assert report.count(RowStatus.UNDEFINED) == 0


def test_totals_count_approved_rows_only() -> None:
    report = build()
    # Ben's two hours are not part of the claim
    assert report.total_hours == 10.5
    assert report.total_units == 3


# --- what would be sent -------------------------------------------------------------------


def test_only_complete_in_range_records_of_approved_children_are_sent() -> None:
    report = build()
    assert [(r.child_id, r.check_in, r.check_out) for r in report.stay_records] == [
        ("123456", rec.check_in, rec.check_out) for rec in AVA_CLEAN
    ]


# --- JSON -----------------------------------------------------------------------------------


def test_the_json_has_exactly_the_keys_of_the_contract() -> None:
    records = [*AVA_CLEAN, record(19, "2026-11-09 12:00", "2026-11-09 11:00", student_id=1)]
    records.append(record(14, "2026-11-12 05:00", "2026-11-12 18:00", student_id=1))
    document = as_json(build(records=records))
    assert set(document) == {
        "school",
        "provider_id",
        "provider_status",
        "from",
        "to",
        "pay_period_match",
        "already_submitted",
        "can_submit",
        "errors",
        "warnings",
        "rows",
    }
    errors, warnings, rows = document["errors"], document["warnings"], document["rows"]
    assert errors and warnings
    for issue in [*errors, *warnings]:
        assert set(issue) == {"student", "code", "message", "record_id"}
    assert errors[0]["record_id"] == 19
    assert warnings[0]["record_id"] is None
    for item in rows:
        assert set(item) == {
            "student",
            "child_id",
            "status",
            "days",
            "hours",
            "units",
            "errors",
            "absences",
        }


def test_the_json_values_are_plain_and_match_the_contract() -> None:
    document = as_json(build())
    assert document == build().to_json()
    assert document["school"] == "Sunny Days"
    assert document["provider_id"] == "12345"
    assert document["provider_status"] == "registered"
    assert (document["from"], document["to"]) == ("2026-11-08", "2026-11-21")
    assert document["pay_period_match"] is True
    assert document["already_submitted"] is False
    assert document["can_submit"] is True
    assert document["errors"] == []
    assert document["rows"] == [
        {
            "student": "Ava Smith",
            "child_id": "123456",
            "status": "approved",
            "days": 2,
            "hours": 10.5,
            "units": 3,
            "errors": [],
            "absences": 0,
        },
        {
            "student": "Ben Jones",
            "child_id": None,
            "status": "unapproved",
            "days": 1,
            "hours": 2.0,
            "units": 1,
            "errors": [],
            "absences": 0,
        },
        {
            "student": "Cara Diaz",
            "child_id": "234567",
            "status": "no_attendance",
            "days": 0,
            "hours": 0.0,
            "units": 0,
            "errors": [],
            "absences": 0,
        },
    ]


def test_hours_in_json_are_rounded_to_two_decimals() -> None:
    stay = record(11, "2026-11-09 08:00", "2026-11-09 09:20", student_id=1)  # 1 h 20 min
    document = as_json(build(students=[AVA], records=[stay]))
    assert document["rows"][0]["hours"] == 1.33


def test_an_unregistered_school_reports_null_provider_and_undefined_rows() -> None:
    document = as_json(build(provider_status=ProviderStatus.UNREGISTERED, provider_id=None))
    assert document["provider_id"] is None
    assert document["provider_status"] == "unregistered"
    assert document["can_submit"] is False
    assert {r["status"] for r in document["rows"]} == {"undefined"}


# --- fingerprint ----------------------------------------------------------------------------


def test_the_report_fingerprint_is_that_of_the_records_to_send() -> None:
    report = build()
    assert report.fingerprint == fingerprint("12345", START, END, stays_of(report.stay_records))


def test_the_fingerprint_is_stable_under_reordering_of_records_and_students() -> None:
    base = build().fingerprint
    shuffled = build(
        students=[CARA, AVA, BEN], records=[*reversed(BEN_CLEAN), *reversed(AVA_CLEAN)]
    )
    assert shuffled.fingerprint == base


@pytest.mark.parametrize(
    "changed",
    [
        # a check-out a minute later
        [AVA_CLEAN[0], AVA_CLEAN[1], record(13, "2026-11-10 13:00", "2026-11-10 14:01")],
        # a check-in a minute earlier
        [record(11, "2026-11-09 07:59", "2026-11-09 13:30"), *AVA_CLEAN[1:]],
        # a record deleted
        AVA_CLEAN[:2],
        # a record added
        [*AVA_CLEAN, record(14, "2026-11-12 08:00", "2026-11-12 09:00")],
        # a record moved to another day
        [*AVA_CLEAN[:2], record(13, "2026-11-11 13:00", "2026-11-11 14:00")],
    ],
)
def test_the_fingerprint_changes_when_any_sent_record_changes(changed: list[Record]) -> None:
    assert build(records=[*changed, *BEN_CLEAN]).fingerprint != build().fingerprint


def test_the_fingerprint_changes_when_a_child_is_linked_or_the_provider_changes() -> None:
    base = build().fingerprint
    ben_linked = Student(2, "Ben Jones", "999999")
    assert build(students=[AVA, ben_linked, CARA]).fingerprint != base
    assert build(provider_id="54321").fingerprint != base


def test_a_period_still_running_says_so_and_warns_about_a_child_still_in_care() -> None:
    # Given the last day of the period, Ava checked in this morning and not out yet
    today = local("2026-11-21 12:00")
    open_stay = record(30, "2026-11-21 08:00", None, student_id=AVA.id)

    report = build(records=(*AVA_CLEAN, *BEN_CLEAN, open_stay), now=today)

    # Then it is not over, and the open stay is a warning (it would not be sent), not an error
    assert not report.period_over
    assert report.days_to_come == (date(2026, 11, 21), date(2026, 11, 21))
    ava = [w for w in report.warnings if w.student == AVA.name]
    assert [w.code for w in recorded(ava)] == ["still_checked_in"]
    assert report.can_submit
    assert all(r.check_in != open_stay.check_in for r in report.stay_records)


def test_a_closed_period_is_over() -> None:
    assert build().period_over
    assert build().days_to_come is None
