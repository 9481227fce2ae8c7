"""The director's journey through the Slack app, from a new school to a refused resubmit,
then a second center that bills monthly, with a day absent.

Dana directs Sunny Days; Sam works in the classroom. Both use the ``/kindertrack`` slash
command and the buttons and modals of Rollcall's messages in the channel #sunny-days of
the workspace T0DEMO. Everything runs for real on embedded defaults
(:mod:`cli.demo.slack_stack`): the Bolt app over signed HTTP, a Dramatiq worker on the
embedded Redis, SQLite, the KinderTrack sandbox; only Slack itself is a local stand-in.

``run_slack_demo`` is ``rollcall demo``: it prints each step, each message or modal the
app produced (as text), saves their Block Kit JSON, checks every expectation, and raises
:class:`cli.demo.runner.DemoFailed` at the first step that misbehaves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.blocks import imports, modals
from bot.blocks.report import EARLY_ACTION
from bot.blocks.review import DAY_ACTION, DELETE_ACTION, DELETE_VALUE, TIME_ACTION
from cli.demo.environment import DEMO_LINK_CODES
from cli.demo.runner import DemoFailed
from cli.demo.slack_stack import BOT_TOKEN, SlackStack, slack_stack
from core.domain.pay_periods import PayPeriod
from core.messages import ALREADY_SUBMITTED, INACTIVE_PROVIDER
from core.services import stays
from core.services.schools import find_school
from standins.slack_driver import Person, SlackDemo, StepFailed

SCHOOL = "Sunny Days"
CHANNEL, CHANNEL_NAME = "C0ROOM", "sunny-days"
DANA = Person("U0DANA", "Dana")
SAM = Person("U0SAM", "Sam")
LUCIA = Person("U0LUCIA", "Lucía", locale="es-LA")
CSV_NAME = "attendance.csv"
DEFAULT_OUTPUT = Path("demo-output")


@dataclass(frozen=True)
class SlackJourneyResult:
    period: PayPeriod
    confirmation: str
    """KinderTrack's submission ID."""
    steps: int
    saved: list[Path]
    """The Block Kit JSON files written, in order."""
    seconds: float = 0.0


def attendance_csv(period: PayPeriod) -> str:
    """Two days exported from the center's check-in system, with four real mistakes."""
    d1, d2 = period.start + timedelta(days=1), period.start + timedelta(days=2)
    return (
        "student,check_in,check_out\n"
        f"Ava Smith,{d1}T07:30,{d1}T12:00\n"
        f"Ava Smith,{d1}T11:30,{d1}T17:00\n"  # back from the dentist at 13:30, typed 11:30
        f"Ava Smith,{d2}T08:15,{d2}T15:00\n"
        f"Jose Nunez,{d1}T07:45,{d1}T17:00\n"
        f"Jose Nunez,{d1}T07:47,{d1}T17:00\n"  # checked in twice at the door: a duplicate
        f"Jose Nunez,{d2}T07:50,{d2}T16:10\n"
        f"Liam Johnson,{d1}T08:30,{d1}T12:30\n"
        f"Liam Johnson,{d2}T08:30,\n"  # nobody checked him out
        f"Harper Olsen,{d1}T09:00,{d1}T15:00\n"  # KinderTrack spells it Olson
        f"Harper Olsen,{d2}T09:00,{d2}T15:00\n"
    )


def _kindertrack_submissions(stack: SlackStack, period: PayPeriod) -> list[dict[str, Any]]:
    """What KinderTrack itself holds for the period (the sandbox's public API)."""
    env = stack.environment
    response = httpx.get(
        f"{env.kindertrack_url}/v1/providers/12345/attendance-submissions",
        params={"period_start": period.start.isoformat(), "period_end": period.end.isoformat()},
        headers={"Authorization": f"Bearer {env.env['ROLLCALL_KINDERTRACK_API_KEY']}"},
        timeout=10,
    )
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def _review_values(
    view: dict[str, Any], *, moves: dict[str, str], delete: set[str], fill_empty_out: str
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """``state.values`` of the review modal as Slack would send it: every picker as shown,
    with ``moves`` (check-in time shown → new time) applied, the stays whose label names a
    time in ``delete`` ticked for deletion, and empty check-outs set to ``fill_empty_out``.
    Returns the values and the changes made (for the transcript)."""
    values: dict[str, dict[str, Any]] = {}
    changes: list[str] = []
    stay = ""
    for block in view.get("blocks") or []:
        if block.get("type") != "input":
            continue
        element = block.get("element") or {}
        block_id, label = str(block["block_id"]), str(block["label"]["text"])
        kind = element.get("type")
        if kind == "datepicker":
            stay = label.removesuffix(" — day")
            values[block_id] = {
                DAY_ACTION: {"type": kind, "selected_date": element["initial_date"]}
            }
        elif kind == "timepicker":
            old = element.get("initial_time")
            new = old
            if block_id.endswith("_in") and old in moves:
                new = moves[old]
            elif block_id.endswith("_out") and not old:
                new = fill_empty_out
            if new != old:
                changes.append(f"{stay}: {label} {old or '(empty)'} → {new}")
            values[block_id] = {TIME_ACTION: {"type": kind, "selected_time": new}}
        elif kind == "checkboxes":
            ticked = any(time in stay for time in delete)
            if ticked:
                changes.append(f"{stay}: ticks Delete this stay")
            values[block_id] = {
                DELETE_ACTION: {
                    "type": kind,
                    "selected_options": [{"value": DELETE_VALUE}] if ticked else [],
                }
            }
    return values, changes


def _import_values(file_id: str, *, name: str = CSV_NAME) -> dict[str, dict[str, Any]]:
    """The import modal's ``state.values``: the uploaded file, and new students allowed."""
    return {
        imports.FILE_BLOCK: {
            imports.FILE_ACTION: {
                "type": "file_input",
                "files": [{"id": file_id, "name": name, "filetype": "csv"}],
            }
        },
        imports.ADD_BLOCK: {
            imports.ADD_ACTION: {
                "type": "checkboxes",
                "selected_options": [
                    {
                        "value": imports.ADD_VALUE,
                        "text": {"type": "plain_text", "text": "Add students who are new"},
                    }
                ],
            }
        },
    }


def _link_values(
    demo: SlackDemo, who: Person, view: dict[str, Any], child_name: str
) -> tuple[dict[str, dict[str, Any]], str]:
    """The link modal's ``state.values``: the roster child the app offers when
    ``child_name`` is typed into the menu, and the student the modal preselected."""
    selects = {
        str(b["block_id"]): b["element"]
        for b in view.get("blocks") or []
        if b.get("type") == "input"
    }
    student_select = selects.get(modals.STUDENT_BLOCK) or {}
    offered = demo.type_in_menu(who, view, modals.CHILD_ACTION, child_name.lower())
    child = next((o for o in offered if child_name in str(o["text"]["text"])), None)
    student = student_select.get("initial_option")
    if child is None or student is None:
        raise demo.fail(f"the link modal should offer {child_name} with the student preselected.")
    values = {
        modals.CHILD_BLOCK: {
            modals.CHILD_ACTION: {"type": "external_select", "selected_option": child}
        },
        modals.STUDENT_BLOCK: {
            modals.STUDENT_ACTION: {"type": "static_select", "selected_option": student}
        },
    }
    return values, f"{student['text']['text']} ↔ {child['text']['text']}"


def slack_journey(demo: SlackDemo, stack: SlackStack, *, period: PayPeriod) -> str:
    """Every step, printed and checked; returns KinderTrack's confirmation."""
    if period.days < 3:
        raise DemoFailed("The demo needs pay periods of at least 3 days.")
    demo.step("Dana creates the school in the channel #sunny-days")
    act = demo.slash(DANA, f"school {SCHOOL}")
    act.reply("school-created", shows=[f"Created *{SCHOOL}*", "You are its first director"])

    demo.step("Dana registers the KinderTrack provider ID")
    demo.say("(typed on a phone with a full-width keyboard: refused before anything is asked)")
    act = demo.slash(DANA, "register １２３４５")
    act.ack("register-full-width-digits", shows=["uses digits other than 0-9", "exactly 5 digits"])
    demo.say("(a provider ID from an old letter: a worker asks KinderTrack)")
    act = demo.slash(DANA, f"register 54321 {DEMO_LINK_CODES['54321']}")
    act.ack("register-checking-54321", shows=["Checking provider ID 54321"])
    act.reply("register-inactive", shows=[INACTIVE_PROVIDER], timeout=20)
    demo.say("(the ID shown in the KinderTrack portal next to the location name, no link code)")
    act = demo.slash(DANA, "register 12345")
    act.ack("register-needs-link-code", shows=["Give the link code", "authorizes Rollcall"])
    demo.say("(a code that is not this provider's: KinderTrack refuses it, nothing is shown)")
    act = demo.slash(DANA, "register 12345 ZZZZ2222")
    act.ack("register-checking-bad-code", shows=["Checking provider ID 12345"])
    act.reply("register-bad-code", shows=["did not accept that link code"], timeout=20)
    demo.say("(the link code the center's KinderTrack administrator got in the portal)")
    act = demo.slash(DANA, f"register 12345 {DEMO_LINK_CODES['12345']}")
    act.ack("register-checking-12345", shows=["Checking provider ID 12345"])
    act.reply("registered", shows=["Registered · provider ID 12345"], timeout=20)

    demo.step("Dana imports the attendance exported from the center's check-in system")
    csv_text = attendance_csv(period)
    demo.say("(an export with mistakes, as real ones have: the import takes it as it is)")
    demo.say(f"{CSV_NAME}:")
    for line in csv_text.splitlines():
        demo.say(f"  {line}")
    act = demo.slash(DANA, "import")
    act.silent_ack()
    view = act.modal("import-modal", shows=["student,check_in,check_out", "[Import]"])
    file_id = stack.standin.add_file(
        csv_text.encode(), token=BOT_TOKEN, user=DANA.user_id, name=CSV_NAME
    )
    demo.say(f"(Dana picks {CSV_NAME} and ticks “Add students who are new”)")
    act = demo.submit_view(DANA, view, _import_values(file_id))
    act.silent_ack()
    demo.say("(the modal closes; a worker downloads the file and imports it)")
    act.direct_message(
        "import-result",
        shows=["10 records added", "Jose Nunez", "Harper Olsen"],
    )
    with stack.runtime.session() as session:
        school_id = find_school(session, name=SCHOOL, team_id=stack.standin.team_id).id or 0
    imported = len(
        stays.list_attendance(
            stack.runtime, school_id=school_id, start=period.start, end=period.end
        )
    )
    demo.expect(imported == 10, f"the import should leave 10 records, not {imported}")

    demo.step("Dana links the children to KinderTrack's roster")
    act = demo.slash(DANA, "sync")
    act.ack("sync-started", shows=["Syncing with KinderTrack's roster"])
    act.reply(
        "sync-result",
        shows=[
            "3 newly linked",
            "Jose Nunez (234567)",
            "Needs review",
            "Harper Olsen* here is *Harper Olson* (678901)",
            "[Link]",
        ],
    )

    demo.step("Dana previews the Subsidy Report of the last closed pay period, links Harper")
    act = demo.slash(DANA, "report")
    act.ack("report-requested", shows=["Building the KinderTrack Subsidy Report"])
    act.posted("report-placeholder", shows=["Building the KinderTrack Subsidy Report"])
    report = act.updated(
        "report-with-errors",
        shows=[
            "3 children need a fix",
            "Jose Nunez*, Mon, Nov 9: 7:45 AM–5:00 PM and 7:47 AM–5:00 PM overlap",
            "[Review errors]",
            "Harper Olsen* has no KinderTrack child ID",
            "[Link child ID]",
        ],
        lacks=["[Approve & submit]"],
    )
    act.thread_file(shows=["Harper Olsen,,not linked,Unapproved"])
    demo.say("(Harper is Olson at KinderTrack: Dana links her from the report)")
    act = demo.click(DANA, report, "Link child ID")
    act.silent_ack()
    view = act.modal("link-modal", shows=["[Harper Olsen ▾]"], loading=True)
    values, picked = _link_values(demo, DANA, view, "Harper Olson")
    demo.say(f"(Dana picks {picked})")
    act = demo.submit_view(DANA, view, values)
    act.view_answer("linking", shows=["Linking Harper Olsen to KinderTrack child ID 678901"])
    act.ephemeral("linked", shows=["Harper Olsen is linked to KinderTrack child ID 678901"])

    demo.step("Sam tries to fix the errors: only directors may")
    act = demo.click(SAM, report, "Review errors")
    act.reply("review-refused-for-staff", shows=["Only the school's directors can do that"])
    demo.expect(
        not [c for c in stack.standin.calls[act.mark :] if c.method == "views.open"],
        "no modal should open for Sam",
    )

    demo.step("Dana reviews the errors in a modal and fixes them")
    act = demo.click(DANA, report, "Review errors")
    act.silent_ack()
    view = act.modal(
        "review-modal",
        shows=["overlap", "never checked out", "[ ] Delete this stay", "[Save]"],
    )
    values, changes = _review_values(
        view, moves={"11:30": "13:30"}, delete={"7:47 AM"}, fill_empty_out="17:00"
    )
    demo.expect(len(changes) == 3, f"the modal should hold the three fixes: {changes}")
    for change in changes:
        demo.say(f"(Dana types {change})")
    act = demo.submit_view(DANA, view, values)
    act.silent_ack()
    demo.say("(the modal closes; a worker redraws the report)")
    clean = act.updated(
        "report-clean",
        containing="Approve & submit",
        shows=[
            "[Approve & submit]",
            "*4* ready to send",
            "Harper Olsen* (678901) — *ready to send* · KinderTrack: Approved",
        ],
        lacks=["need a fix", "[Review errors]"],
    )
    act.thread_file(shows=["Harper Olsen,678901,ready to send,Approved"])

    demo.step("Meanwhile, today: Sam checks a child in and posts the roll call")
    act = demo.slash(SAM, "in Ava Smith")
    act.reply("checked-in", shows=["Ava Smith checked in at"])
    act = demo.slash(SAM, "rollcall")
    act.posted("roll-call-board", shows=["Roll call — Sunny Days", "*1* of 4 children checked in"])

    demo.step("Lucía, whose Slack is in Spanish, checks Jose in and posts the roll call")
    act = demo.slash(LUCIA, "in Jose Nunez")
    act.reply("checked-in-es", shows=["Entrada de Jose Nunez a la"])  # "a la 1:05", "a las 2:05"
    act = demo.slash(LUCIA, "rollcall")
    act.posted(
        "roll-call-board-es",
        shows=["Asistencia — Sunny Days", "*2* de 4 niños presentes", "[Salida]", "[Entrada]"],
    )

    demo.step("Dana looks at the pay period still running: it cannot be approved by mistake")
    running = PayPeriod(period.end + timedelta(days=1), period.end + timedelta(days=period.days))
    act = demo.slash(DANA, f"report {running.start:%m/%d/%Y} {running.end:%m/%d/%Y}")
    act.ack("open-report-requested", shows=["Building the KinderTrack Subsidy Report"])
    act.posted("open-report-placeholder", shows=["Building the KinderTrack Subsidy Report"])
    running_report = act.updated(
        "report-period-running",
        containing="runs until",
        shows=[
            "runs until",
            "Submit early only if no more attendance will come",
            "[Submit early…]",
        ],
        lacks=["[Approve & submit]"],
    )
    act.thread_file(shows=["Ava Smith,123456,ready to send,Approved"])
    confirm = next(
        element["confirm"]["text"]["text"]
        for block in running_report.payload.get("blocks", [])
        for element in block.get("elements", [])
        if isinstance(element, dict) and element.get("action_id") == EARLY_ACTION
    )
    demo.say(f"(Submit early would first ask: “{confirm}” Dana leaves the period running)")

    demo.step("Dana approves and submits the pay period")
    demo.say(
        "(Slack asks “Submit to KinderTrack?”: submitted attendance cannot be edited; "
        "Dana presses [Submit])"
    )
    act = demo.click(DANA, clean, "Approve & submit")
    act.silent_ack()
    act.updated(
        "submitting",
        containing="Submitting…",
        timeout=10,
        shows=["Submitting…* approved by @Dana", "[Undo (until "],
        lacks=["[Approve & submit]"],
    )
    done = act.updated(
        "submitted",
        containing="Submitted to KinderTrack",
        shows=["Submitted to KinderTrack* — confirmation", "Approved by @Dana, sent"],
    )
    sent = act.thread_file(shows=["Child ID,Date,Check-in,Check-out,Away", "678901,"])
    demo.expect(len(sent.splitlines()) == 10, f"9 records should have been sent:\n{sent}")
    held = _kindertrack_submissions(stack, period)
    demo.expect(len(held) == 1, f"KinderTrack should hold one submission, not {held}")
    confirmation = str(held[0]["submission_id"])
    demo.expect(confirmation in done.text, "the message should show KinderTrack's confirmation")
    demo.say(f"(KinderTrack holds one submission for the period: {confirmation})")

    demo.step("Dana clicks Approve & submit again, on an old copy of the report")
    act = demo.click(DANA, clean, "Approve & submit")
    act.reply("already-submitted", shows=[ALREADY_SUBMITTED, "866-448-4605"])
    after = _kindertrack_submissions(stack, period)
    demo.expect(len(after) == 1, f"KinderTrack should still hold one submission: {after}")
    message = stack.standin.messages.get((clean.channel or "", clean.ts or ""), {})
    demo.expect(
        "Submitted to KinderTrack" in str(message.get("text")),
        "the report message should still say it was submitted",
    )

    demo.step("Dana checks where the submission stands")
    act = demo.slash(DANA, "status")
    act.reply("status", shows=["submitted to KinderTrack", confirmation, "9 records"])
    return confirmation


MONTHLY = "Maple Grove"
MONTHLY_CSV = "maple-grove.csv"


def _month_csv(today: date) -> tuple[str, date]:
    """Last month at the monthly center: two days attended and one absent (returned)."""
    day = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    weekdays: list[date] = []
    while len(weekdays) < 3:
        if day.weekday() < 5:
            weekdays.append(day)
        day += timedelta(days=1)
    d1, d2, absent = weekdays
    return (
        "student,check_in,check_out,absence\n"
        f"Owen Berg,{d1}T08:00,{d1}T16:00,\n"
        f"Owen Berg,{d2}T08:00,{d2}T12:30,\n"
        f"Owen Berg,{absent},,absent\n"
    ), absent


def monthly_center(demo: SlackDemo, stack: SlackStack, *, today: date) -> None:
    """A second center that bills KinderTrack monthly, with a child absent one day: its
    report is last month, and shows the absence against the monthly allowance."""
    demo.step(f"Dana opens {MONTHLY}, a center that bills KinderTrack monthly")
    act = demo.slash(DANA, f"school {MONTHLY}")
    act.reply("monthly-school-created", shows=[f"Created *{MONTHLY}*"])
    act = demo.slash(DANA, f"register 24680 {DEMO_LINK_CODES['24680']}")
    act.ack("monthly-register-checking", shows=["Checking provider ID 24680"])
    act.reply("monthly-registered", shows=["Registered · provider ID 24680"], timeout=20)
    csv_text, absent = _month_csv(today)
    demo.say(f"{MONTHLY_CSV} (its optional absence column records a day away):")
    for line in csv_text.splitlines():
        demo.say(f"  {line}")
    act = demo.slash(DANA, "import")
    act.silent_ack()
    view = act.modal("monthly-import-modal", shows=["[Import]"])
    file_id = stack.standin.add_file(
        csv_text.encode(), token=BOT_TOKEN, user=DANA.user_id, name=MONTHLY_CSV
    )
    act = demo.submit_view(DANA, view, _import_values(file_id, name=MONTHLY_CSV))
    act.silent_ack()
    act.direct_message("monthly-import-result", shows=["2 records added"])
    act = demo.slash(DANA, "sync")
    act.ack("monthly-sync-started", shows=["Syncing with KinderTrack's roster"])
    act.reply("monthly-sync-result", shows=["1 newly linked", "Owen Berg (135790)"])

    demo.step(f"Dana previews {MONTHLY}'s last closed pay period: last month, with the absence")
    act = demo.slash(DANA, "report")
    act.ack("monthly-report-requested", shows=["Building the KinderTrack Subsidy Report"])
    act.posted("monthly-report-placeholder", shows=["Building the KinderTrack Subsidy Report"])
    month = PayPeriod(absent.replace(day=1), today.replace(day=1) - timedelta(days=1))
    act.updated(
        "monthly-report",
        containing="Owen Berg",
        shows=["matches a pay period", "Owen Berg* (135790)", "1 absent, 1/4 this month"],
    )
    act.thread_file(
        shows=["Days absent,Absences this month", "Owen Berg,135790,ready to send,Approved,2,"]
    )
    demo.say(f"(the pay period is {month}: KinderTrack lists {MONTHLY}'s periods as months)")


def run_slack_demo(
    echo: Callable[[str], None] = print,
    *,
    output_dir: Path = DEFAULT_OUTPUT,
    today: date | None = None,
) -> SlackJourneyResult:
    """``rollcall demo``: start everything, run the journey, stop everything."""
    started = time.monotonic()
    output_dir = output_dir.resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    for old in output_dir.glob("[0-9][0-9]-*.json"):  # a previous run's files
        old.unlink()
    with slack_stack() as stack:
        env = stack.environment
        day = today or datetime.now(ZoneInfo(env.timezone)).date()
        period = env.calendar.last_closed(day)
        echo(
            f"Rollcall demo: Dana, director of {SCHOOL}, submits the pay period {period} to "
            "KinderTrack from Slack."
        )
        echo(f"  Slack app (Bolt):       {stack.app_url}/slack/events (signed requests)")
        echo(f"  Slack Web API:          a local stand-in at {stack.standin.api_url}")
        echo(f"  KinderTrack:            the sandbox at {env.kindertrack_url}")
        echo(f"  Queue:                  embedded Redis at {stack.redis_url}, one worker")
        echo(f"  Database:               SQLite in {env.home} (removed afterwards)")
        echo(f"  Block Kit JSON:         {output_dir}/")
        demo = SlackDemo(
            stack.standin,
            stack.sender,
            echo,
            output_dir=output_dir,
            channel=CHANNEL,
            channel_name=CHANNEL_NAME,
            people=[DANA, SAM, LUCIA],
        )
        try:
            confirmation = slack_journey(demo, stack, period=period)
            monthly_center(demo, stack, today=day)
        except StepFailed as failure:
            raise DemoFailed(str(failure)) from failure
    seconds = time.monotonic() - started
    echo("")
    echo(
        f"Demo complete: {demo.step_number} steps in {seconds:.1f} s. The pay period {period} "
        f"was submitted once (KinderTrack confirmation {confirmation}); the second try was "
        f"refused. {len(demo.saved)} Slack messages and modals saved in {output_dir}/."
    )
    return SlackJourneyResult(period, confirmation, demo.step_number, demo.saved, seconds)
