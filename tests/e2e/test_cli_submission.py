"""Attendance, the report, submission and status through the real console script.

Dates are those of the last closed pay period on the real clock (the CLI's own), so no
record is in the future and a missing check-out is an error, whatever the day.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from core.messages import CORRECTED_CLAIM_CONTACT
from tests.e2e.helpers import SECOND_SUBMIT_REFUSAL, Cli, last_closed_period, make_cli
from tests.fixtures.sandbox import SandboxHarness

pytestmark = pytest.mark.slow  # runs the real `rollcall` console script in subprocesses

SCHOOL = "Sunny Days"
CHICAGO = ZoneInfo("America/Chicago")
PERIOD = last_closed_period()
D1, D2 = PERIOD.start + timedelta(days=1), PERIOD.start + timedelta(days=2)
RANGE = ("--from", PERIOD.start.isoformat(), "--to", PERIOD.end.isoformat())

REPORT_KEYS = {
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
ISSUE_KEYS = {"student", "code", "message"}
ROW_KEYS = {"student", "child_id", "status", "days", "hours", "units", "errors", "absences"}
LOCKED = (
    f"Attendance for the pay period {PERIOD.start} to {PERIOD.end} was already submitted to "
    f"KinderTrack and can no longer be edited. {CORRECTED_CLAIM_CONTACT}"
)


def _utc(day: date, hhmm: str) -> str:
    local = datetime.fromisoformat(f"{day.isoformat()}T{hhmm}").replace(tzinfo=CHICAGO)
    return local.astimezone(UTC).isoformat()


ATTENDANCE = (
    "student,check_in,check_out\n"
    f"Ava Smith,{D1}T08:00,{D1}T16:30\n"
    f"Ava Smith,{D1}T08:05,{D1}T16:30\n"  # entered twice: an overlap
    f"Ava Smith,{D2}T08:00,{D2}T12:00\n"
    f"José Núñez,{D1}T07:45,{D1}T17:15\n"
    f"José Núñez,{D2}T07:45,\n"  # no check-out
    f"Mia Chen,{D1}T09:00,{D1}T15:00\n"  # not linked to KinderTrack
)


@pytest.fixture
def cli(request: pytest.FixtureRequest, tmp_path: Path, sandbox: SandboxHarness) -> Cli:
    return make_cli(request, tmp_path, kindertrack_url=sandbox.url, api_key=sandbox.api_key)


def _check_report_shape(report: dict[str, object], *, warnings: set[str] | None = None) -> None:
    """Exactly the keys of docs/CLI.md; warnings only of the kinds expected (children's
    authorizations end with 2026, so later periods also warn about those)."""
    assert set(report) == REPORT_KEYS
    for key in ("errors", "warnings"):
        for issue in report[key]:  # type: ignore[attr-defined]
            assert set(issue) == ISSUE_KEYS
            assert issue["message"]
    for row in report["rows"]:  # type: ignore[attr-defined]
        assert set(row) == ROW_KEYS
    # weekdays of the period with nothing recorded are a warning of their own (issue 11)
    allowed = {"outside_authorization", "not_recorded", *(warnings or set())}
    assert {w["code"] for w in report["warnings"]} <= allowed  # type: ignore[attr-defined]


def test_a_period_is_fixed_submitted_once_and_then_read_only(
    cli: Cli, sandbox: SandboxHarness
) -> None:
    # given a registered school with two linked children and one unlinked
    cli.run("school", "add", SCHOOL).ok()
    for result in cli.run_many(
        ("school", "register", SCHOOL, "--provider-id", "12345"),
        ("student", "add", SCHOOL, "Ava Smith", "--child-id", "123456"),
        ("student", "add", SCHOOL, "José Núñez", "--child-id", "234567"),
        ("student", "add", SCHOOL, "Mia Chen"),
    ):
        result.ok()
    good = cli.write("attendance.csv", ATTENDANCE)
    bad = cli.write(
        "bad.csv",
        "student,check_in,check_out\n"
        f"Ava Smith,{D1}T08:00,{D1}T16:30\n"
        f"Zoe Quinn,{D1}T08:00,{D1}T16:30\n"
        f"Ava Smith,{D2}T8am,\n",
    )

    # when a bad file is imported, a draft is queried and submit is not confirmed
    refused_import, draft, unconfirmed = cli.run_many(
        ("attendance", "import", SCHOOL, str(bad)),
        ("status", SCHOOL, *RANGE, "--json"),
        ("submit", SCHOOL, *RANGE),
    )

    # then the file is refused as a whole, naming each bad row
    reason = refused_import.refused()
    assert reason.startswith("Nothing was imported: 2 bad rows. line 3: no student named 'Zoe")
    assert f"line 4: Check_in '{D2}T8am' is not a date and time like 11/09/2026 8:15 AM" in reason
    assert draft.json() == {
        "state": "draft",
        "submission_id": None,
        "kindertrack_submission_id": None,
        "error": None,
    }
    assert unconfirmed.refused().endswith("add --yes to confirm.")

    # when the real file is imported (twice: the second adds nothing)
    assert cli.run("attendance", "import", SCHOOL, str(good)).ok().stdout == (
        "Imported 6 record(s); 0 already present were skipped.\n"
    )
    again, listed, with_errors, blocked, text, checked = cli.run_many(
        ("attendance", "import", SCHOOL, str(good)),
        ("attendance", "list", SCHOOL, *RANGE, "--json"),
        ("report", SCHOOL, *RANGE, "--json"),
        ("submit", SCHOOL, *RANGE, "--yes"),
        ("report", SCHOOL, *RANGE),
        ("check", *RANGE, "--json"),
    )

    # then the report spells out every error and submission is refused
    assert again.ok().stdout == "Imported 0 record(s); 6 already present were skipped.\n"
    records = listed.json()
    assert [(r["student"], r["check_in"], r["check_out"]) for r in records] == [
        ("José Núñez", _utc(D1, "07:45"), _utc(D1, "17:15")),
        ("Ava Smith", _utc(D1, "08:00"), _utc(D1, "16:30")),
        ("Ava Smith", _utc(D1, "08:05"), _utc(D1, "16:30")),
        ("Mia Chen", _utc(D1, "09:00"), _utc(D1, "15:00")),
        ("José Núñez", _utc(D2, "07:45"), None),
        ("Ava Smith", _utc(D2, "08:00"), _utc(D2, "12:00")),
    ]
    report = with_errors.json()
    _check_report_shape(report, warnings={"long_day"})  # the duplicate doubles a day
    assert [(e["student"], e["code"]) for e in report["errors"]] == [
        ("Ava Smith", "overlap"),
        ("Ava Smith", "overlap"),
        ("José Núñez", "missing_check_out"),
    ]
    assert report["can_submit"] is False
    assert [(r["student"], r["status"], r["errors"]) for r in report["rows"]] == [
        ("Ava Smith", "approved", ["overlap"]),
        ("José Núñez", "approved", ["missing_check_out"]),
        ("Mia Chen", "unapproved", []),
    ]
    assert blocked.refused() == (
        "Not ready to submit: 2 approved children have attendance errors to fix."
    )
    assert "3 attendance error(s): data with errors cannot be sent." in text.ok().stdout
    # and the statewide check says the same of the school
    assert checked.json() == {
        "from": PERIOD.start.isoformat(),
        "to": PERIOD.end.isoformat(),
        "schools": 1,
        "can_submit": 0,
        "blocked": [
            {
                "school": SCHOOL,
                "provider_status": "registered",
                "already_submitted": False,
                "errors": 3,
                "warnings": len(report["warnings"]),
            }
        ],
    }

    # when the director deletes the duplicate and adds the missing check-out
    duplicate, open_record = records[2]["id"], records[4]["id"]
    deleted, edited = cli.run_many(
        ("attendance", "delete", SCHOOL, str(duplicate)),
        ("attendance", "edit", SCHOOL, str(open_record), "--check-out", f"{D2}T16:00"),
    )
    assert deleted.ok().stdout == f"Record {duplicate} deleted.\n"
    assert edited.ok().stdout == f"Record {open_record} updated.\n"
    exported = cli.cwd / "report.csv"
    clean, clean_text = cli.run_many(
        ("report", SCHOOL, *RANGE, "--json", "--csv", str(exported)),
        ("report", SCHOOL, *RANGE),
    )

    # then the report is clean, exactly as documented
    report = clean.json()
    _check_report_shape(report)
    assert {k: v for k, v in report.items() if k != "warnings"} == {
        "school": "Sunny Days",
        "provider_id": "12345",
        "provider_status": "registered",
        "from": PERIOD.start.isoformat(),
        "to": PERIOD.end.isoformat(),
        "pay_period_match": True,
        "already_submitted": False,
        "can_submit": True,
        "errors": [],
        "rows": [
            {
                "student": "Ava Smith",
                "child_id": "123456",
                "status": "approved",
                "days": 2,
                "hours": 12.5,
                "units": 3,
                "errors": [],
                "absences": 0,
            },
            {
                "student": "José Núñez",
                "child_id": "234567",
                "status": "approved",
                "days": 2,
                "hours": 17.75,
                "units": 4,
                "errors": [],
                "absences": 0,
            },
            {
                "student": "Mia Chen",
                "child_id": None,
                "status": "unapproved",
                "days": 1,
                "hours": 6.0,
                "units": 2,
                "errors": [],
                "absences": 0,
            },
        ],
    }
    assert list(csv.reader(io.StringIO(exported.read_text(encoding="utf-8")))) == [
        ["student", "child_id", "status", "days", "hours", "units", "errors"],
        ["Ava Smith", "123456", "Approved", "2", "12.50", "3", ""],
        ["José Núñez", "234567", "Approved", "2", "17.75", "4", ""],
        ["Mia Chen", "", "Unapproved", "1", "6.00", "2", ""],
    ]
    assert "Ready to submit." in clean_text.ok().stdout

    # when the director submits
    submitted = cli.run("submit", SCHOOL, *RANGE, "--yes").ok().stdout
    assert submitted.startswith("Submitted to KinderTrack: confirmation ")
    assert submitted.endswith(" (4 records).\n")

    # then a second submission and every write to the period are refused
    second, edit, delete, reimport, after, status, text_status, still_listed = cli.run_many(
        ("submit", SCHOOL, *RANGE, "--yes"),
        ("attendance", "edit", SCHOOL, str(records[0]["id"]), "--check-in", f"{D1}T07:30"),
        ("attendance", "delete", SCHOOL, str(records[0]["id"])),
        ("attendance", "import", SCHOOL, str(good)),
        ("report", SCHOOL, *RANGE, "--json"),
        ("status", SCHOOL, *RANGE, "--json"),
        ("status", SCHOOL, *RANGE),
        ("attendance", "list", SCHOOL, "--student", "ava smith", *RANGE, "--json"),
    )
    assert second.refused() == SECOND_SUBMIT_REFUSAL
    assert "866-448-4605" in second.stderr
    assert edit.refused() == LOCKED
    assert delete.refused() == LOCKED
    reason = reimport.refused()
    assert reason.startswith("Nothing was imported: 6 bad rows. line 2: Attendance for the pay")
    assert "866-448-4605" in reason
    report = after.json()
    _check_report_shape(report)
    assert (report["already_submitted"], report["can_submit"]) == (True, False)
    state = status.json()
    assert set(state) == {"state", "submission_id", "kindertrack_submission_id", "error"}
    assert state["state"] == "submitted"
    assert isinstance(state["submission_id"], int)
    assert state["kindertrack_submission_id"]
    assert state["error"] is None
    assert f"confirmation {state['kindertrack_submission_id']}" in submitted
    assert ": submitted" in text_status.ok().stdout
    assert [r["check_in"] for r in still_listed.json()] == [_utc(D1, "08:00"), _utc(D2, "08:00")]
    assert sandbox.stats()["commits"] == 1


def test_a_day_away_recorded_by_mistake_is_removed_once(cli: Cli) -> None:
    cli.run("school", "add", SCHOOL).ok()
    cli.run("student", "add", SCHOOL, "Ava Smith", "--child-id", "123456").ok()
    cli.run("attendance", "absent", SCHOOL, "Ava Smith", str(D1)).ok()
    cli.run("attendance", "absent", SCHOOL, "*", str(D2), "--kind", "closed").ok()

    removed = cli.run("attendance", "delete-absence", SCHOOL, "ava smith", str(D1))
    reopened = cli.run("attendance", "delete-absence", SCHOOL, "*", str(D2))
    again, report = cli.run_many(
        ("attendance", "delete-absence", SCHOOL, "Ava Smith", str(D1)),
        ("report", SCHOOL, *RANGE, "--json"),
    )

    assert removed.ok().stdout == f"Ava Smith {D1}: absent removed.\n"
    assert reopened.ok().stdout == f"The center {D2}: center closed removed.\n"
    assert again.refused() == f"No absence of Ava Smith is recorded on {D1}."
    assert [row["absences"] for row in report.json()["rows"]] == [0]


def test_submit_async_while_redis_is_down_keeps_the_approval_for_the_sweep(cli: Cli) -> None:
    # Given a clean period, and a queue (Redis) that does not answer
    cli.run("school", "add", SCHOOL).ok()
    cli.run("school", "register", SCHOOL, "--provider-id", "12345").ok()
    cli.run("student", "add", SCHOOL, "Ava Smith", "--child-id", "123456").ok()
    clean = f"student,check_in,check_out\nAva Smith,{D1}T08:00,{D1}T16:30\n"
    cli.run("attendance", "import", SCHOOL, str(cli.write("clean.csv", clean))).ok()
    cli.env["ROLLCALL_REDIS_URL"] = "redis://127.0.0.1:9/0"  # the discard port: refused

    # When the operator hands the period to the workers
    handed = cli.run("submit", SCHOOL, *RANGE, "--yes", "--async").ok()

    # Then it says so in words, without a traceback, and the approval stands for the sweep
    assert "approved; the queue (Redis) did not answer" in handed.stdout
    assert "Traceback" not in handed.stderr
    assert cli.run("status", SCHOOL, *RANGE, "--json").json()["state"] == "approved"
