"""The director's journey through one pay period, from a new school to a refused resubmit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cli.demo.environment import DEMO_LINK_CODES, demo_environment
from cli.demo.runner import DemoCli, DemoFailed
from core.domain.pay_periods import PayPeriod
from core.errors import ProviderNotAuthorized
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT, INACTIVE_PROVIDER

SCHOOL = "Sunny Days"
CSV_NAME = "attendance.csv"


@dataclass(frozen=True)
class JourneyResult:
    period: PayPeriod
    confirmation: str
    """KinderTrack's submission ID."""
    steps: int
    seconds: float = 0.0


def attendance_csv(period: PayPeriod) -> str:
    """Two days of a spreadsheet export, with three mistakes a director really makes."""
    d1, d2 = period.start + timedelta(days=1), period.start + timedelta(days=2)
    return (
        "student,check_in,check_out\n"
        f"Ava Smith,{d1}T08:00,{d1}T16:30\n"
        f"Ava Smith,{d1}T08:00,{d1}T16:45\n"  # entered twice: a duplicate (an overlap)
        f"Ava Smith,{d2}T08:15,{d2}T15:00\n"
        f"Jose Nunez,{d1}T07:45,{d1}T17:00\n"
        f"Jose Nunez,{d2}T07:50,{d2}T16:10\n"
        f"Liam Johnson,{d1}T08:30,{d1}T12:30\n"
        f"Liam Johnson,{d2}T08:30,\n"  # forgot to check out
        f"Harper Olsen,{d1}T09:00,{d1}T15:00\n"  # not linked: KinderTrack spells it Olson
        f"Harper Olsen,{d2}T09:00,{d2}T15:00\n"
    )


def _find(records: list[dict[str, Any]], student: str, check_in: datetime) -> list[int]:
    return [
        int(r["id"])
        for r in records
        if r["student"] == student and datetime.fromisoformat(r["check_in"]) == check_in
    ]


def director_journey(cli: DemoCli, *, period: PayPeriod, timezone: str) -> JourneyResult:
    """Every step a director takes for ``period`` (a closed pay period of 3 days or more),
    each printed and checked; raises DemoFailed at the first step that misbehaves."""
    if period.days < 3:
        raise DemoFailed("The demo needs pay periods of at least 3 days.")
    tz = ZoneInfo(timezone)
    d1, d2 = period.start + timedelta(days=1), period.start + timedelta(days=2)
    dates = ("--from", period.start.isoformat(), "--to", period.end.isoformat())

    cli.say("Add the school (a KinderTrack location).")
    cli.step("school", "add", SCHOOL, shows=[f"Added school {SCHOOL}"])

    cli.say("Register its KinderTrack provider ID, mistyped: KinderTrack does not know it.")
    cli.step(
        "school",
        "register",
        SCHOOL,
        "--provider-id",
        "12354",
        refused=True,
        stderr=INACTIVE_PROVIDER,
    )

    cli.say("Register the provider ID without its link code: KinderTrack shows it to nobody.")
    cli.step(
        "school",
        "register",
        SCHOOL,
        "--provider-id",
        "12345",
        refused=True,
        stderr=str(ProviderNotAuthorized()),
    )

    cli.say("Register with the link code the center's KinderTrack administrator got.")
    cli.step(
        "school",
        "register",
        SCHOOL,
        "--provider-id",
        "12345",
        "--link-code",
        DEMO_LINK_CODES["12345"],
        shows=[f"Registered: {SCHOOL} is KinderTrack provider 12345"],
    )

    cli.say("Add the children: one with the child ID at hand, the others by name.")
    cli.step("student", "add", SCHOOL, "Ava Smith", "--child-id", "123456")
    for name in ("Jose Nunez", "Liam Johnson", "Harper Olsen"):
        cli.step("student", "add", SCHOOL, name, shows=[f"Added {name}."])

    cli.say(
        "Link the others from KinderTrack's roster (names match ignoring case, accents, "
        "hyphens and order; a near match waits for a director)."
    )
    cli.step(
        "student",
        "sync",
        SCHOOL,
        shows=[
            "Linked Jose Nunez to child ID 234567.",
            "Linked Liam Johnson to child ID 345678.",
            "Needs review",
            "Harper Olsen -> Harper Olson (678901)?",
        ],
    )

    cli.say("Import the attendance spreadsheet (it has mistakes; the import takes it as is).")
    csv_text = attendance_csv(period)
    (cli.cwd / CSV_NAME).write_text(csv_text, encoding="utf-8")
    cli.echo(f"$ cat {CSV_NAME}")
    cli.show(csv_text)
    cli.step("attendance", "import", SCHOOL, CSV_NAME, shows=["Imported 9 record(s)"])

    cli.say("Preview the KinderTrack Subsidy Report: the red banner lists what to fix.")
    cli.step("report", SCHOOL, *dates, shows=["attendance error(s)", "Not ready to submit"])
    report = cli.check("report", SCHOOL, *dates, "--json").json()
    found = sorted((e["student"], e["code"]) for e in report["errors"])
    cli.expect(
        found
        == [
            ("Ava Smith", "overlap"),
            ("Ava Smith", "overlap"),
            ("Liam Johnson", "missing_check_out"),
        ],
        f"the report should show Ava's duplicate and Liam's missing check-out, not {found}",
    )
    rows = {row["student"]: row["status"] for row in report["rows"]}
    cli.expect(rows.get("Harper Olsen") == "unapproved", f"Harper should be unapproved: {rows}")
    cli.expect(report["can_submit"] is False, "a report with errors must not be submittable")

    cli.say("Find the records to fix.")
    cli.step("attendance", "list", SCHOOL, "--from", str(d1), "--to", str(d2))
    records = cli.check(
        "attendance", "list", SCHOOL, "--from", str(d1), "--to", str(d2), "--json"
    ).json()
    duplicates = _find(
        records, "Ava Smith", datetime.fromisoformat(f"{d1}T08:00").replace(tzinfo=tz)
    )
    open_stay = _find(
        records, "Liam Johnson", datetime.fromisoformat(f"{d2}T08:30").replace(tzinfo=tz)
    )
    cli.expect(len(duplicates) == 2 and len(open_stay) == 1, f"unexpected records: {records}")

    cli.say("Delete Ava's duplicate, add Liam's check-out, and confirm Harper's near match.")
    cli.step("attendance", "delete", SCHOOL, str(duplicates[1]), shows=["deleted"])
    cli.step(
        "attendance",
        "edit",
        SCHOOL,
        str(open_stay[0]),
        "--check-out",
        f"{d2}T17:00",
        shows=["updated"],
    )
    cli.step(
        "student",
        "link",
        SCHOOL,
        "Harper Olsen",
        "678901",
        shows=["Linked Harper Olsen to child ID 678901."],
    )

    d3 = period.start + timedelta(days=3)
    cli.say("Ava stayed home one day, and the center closed another: days away are sent too.")
    cli.step("attendance", "absent", SCHOOL, "Ava Smith", str(d3), shows=["absent was recorded"])
    cli.step(
        "attendance",
        "absent",
        SCHOOL,
        "*",
        str(period.end),
        "--kind",
        "closed",
        shows=["The center", "center closed was recorded"],
    )

    cli.say("Preview again: no errors, every child approved.")
    cli.step("report", SCHOOL, *dates, shows=["Ready to submit."])
    report = cli.check("report", SCHOOL, *dates, "--json").json()
    cli.expect(report["can_submit"] is True, f"the report should be ready: {report['errors']}")
    cli.expect(
        all(row["status"] == "approved" for row in report["rows"]),
        f"every child should be approved: {report['rows']}",
    )
    absent = {row["student"]: row["absences"] for row in report["rows"]}
    cli.expect(absent.get("Ava Smith") == 1, f"Ava should have one absence: {absent}")

    cli.say("Submit the pay period to KinderTrack (final: --yes confirms).")
    cli.step("submit", SCHOOL, *dates, "--yes", shows=["Submitted to KinderTrack: confirmation"])

    cli.say("Check the submission's status.")
    cli.step("status", SCHOOL, *dates, shows=["submitted", "KinderTrack confirmation"])
    status = cli.check("status", SCHOOL, *dates, "--json").json()
    cli.expect(status["state"] == "submitted", f"the submission should be submitted: {status}")

    cli.say("Submit again by mistake: KinderTrack's rule is once per pay period.")
    cli.step(
        "submit",
        SCHOOL,
        *dates,
        "--yes",
        refused=True,
        stderr=f"{ALREADY_SUBMITTED} {CORRECTED_CLAIM_CONTACT}",
    )

    cli.say("Try to change submitted attendance: it is read-only; corrections go to HHS.")
    cli.step(
        "attendance",
        "edit",
        SCHOOL,
        str(duplicates[0]),
        "--check-out",
        f"{d1}T17:00",
        refused=True,
        shows=["can no longer be edited", "866-448-4605"],
    )

    monthly_center(cli, before=period)
    return JourneyResult(
        period=period, confirmation=str(status["kindertrack_submission_id"]), steps=cli.steps
    )


MONTHLY = "Maple Grove"


def monthly_center(cli: DemoCli, *, before: PayPeriod) -> None:
    """A second center that bills KinderTrack monthly: its periods are calendar months."""
    last = before.start.replace(day=1) - timedelta(days=1)
    month = ("--from", last.replace(day=1).isoformat(), "--to", last.isoformat())
    cli.say(f"{MONTHLY} bills KinderTrack monthly: Rollcall follows each provider's own periods.")
    cli.step("school", "add", MONTHLY, shows=[f"Added school {MONTHLY}"])
    cli.step(
        "school",
        "register",
        MONTHLY,
        "--provider-id",
        "24680",
        "--link-code",
        DEMO_LINK_CODES["24680"],
        shows=[f"Registered: {MONTHLY} is KinderTrack provider 24680"],
    )
    cli.step("student", "add", MONTHLY, "Owen Berg", "--child-id", "135790")
    cli.step("report", MONTHLY, *month, shows=["matches a pay period"])
    report = cli.check("report", MONTHLY, *month, "--json").json()
    cli.expect(report["pay_period_match"] is True, f"a month is {MONTHLY}'s period: {report}")


def run_demo(echo: Callable[[str], None] = print, *, today: date | None = None) -> JourneyResult:
    """The whole demo: environment, journey, summary. Raises DemoFailed on a bad step."""
    started = time.monotonic()
    with demo_environment() as environment:
        day = today or datetime.now(ZoneInfo(environment.timezone)).date()
        period = environment.calendar.last_closed(day)
        echo(f"Rollcall demo: a director submits the pay period {period} to KinderTrack.")
        echo(
            f"KinderTrack sandbox at {environment.kindertrack_url}; a fresh database in "
            f"{environment.home} (removed afterwards). No Slack account needed."
        )
        cli = DemoCli(environment, echo)
        result = director_journey(cli, period=period, timezone=environment.timezone)
    seconds = time.monotonic() - started
    echo("")
    echo(
        f"Demo complete: {result.steps} steps in {seconds:.1f} s. The pay period {period} was "
        f"submitted once (KinderTrack confirmation {result.confirmation}); the second try and "
        "the late edit were refused."
    )
    return JourneyResult(result.period, result.confirmation, result.steps, seconds)
