"""Schools, students, attendance, the report, submission and status (docs/CLI.md)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.context import OPERATOR, announce, runtime, school_id
from core.domain.instants import parse_date, zone
from core.errors import InvalidInput, KinderTrackUnavailable, RollcallError

if TYPE_CHECKING:  # each command imports the use cases it runs, when it runs (a fast start)
    from core.services.sending import RunResult

school_app = typer.Typer(help="Schools and their KinderTrack provider ID.", no_args_is_help=True)
student_app = typer.Typer(help="Students and their KinderTrack child IDs.", no_args_is_help=True)
attendance_app = typer.Typer(help="Check-ins and check-outs.", no_args_is_help=True)

From = Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")]
To = Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _range(start: str, end: str) -> tuple[date, date]:
    from core.services import reports

    first, last = parse_date(start, what="--from date"), parse_date(end, what="--to date")
    reports.check_range(first, last)
    return first, last


@school_app.command("add")
def school_add(
    name: str,
    timezone: Annotated[
        str | None, typer.Option(help="IANA zone (default America/Chicago).")
    ] = None,
) -> None:
    """Add a school (a KinderTrack location)."""
    from core.services import schools

    school = schools.add_school(runtime(), name=name, timezone=timezone)
    typer.echo(f"Added school {school.name} ({school.timezone}).")


@school_app.command("closing-time")
def school_closing_time(
    school: str,
    closing: Annotated[str, typer.Argument(help="Local time the center closes, HH:MM.")],
) -> None:
    """Set when the center closes (default 18:00): the day's problems are sent to the
    directors then."""
    from core.services import schools

    updated = schools.set_closing_time(runtime(), school_id=school_id(school), closing=closing)
    typer.echo(f"{updated.name} closes at {updated.closing_time:%H:%M} ({updated.timezone}).")


@school_app.command("link-workspace")
def school_link_workspace(
    school: str,
    team_id: Annotated[str, typer.Option("--team-id", help="The Slack workspace ID (T…).")],
    director: Annotated[
        str, typer.Option("--director", help="Its first director's Slack user ID (U…).")
    ],
) -> None:
    """Make a school added here reachable from one Slack workspace (never done implicitly)."""
    from core.services import workspace

    linked = workspace.link_to_workspace(
        runtime(), school_id=school_id(school), team_id=team_id, director=director
    )
    typer.echo(f"{linked.name} now belongs to Slack workspace {linked.team_id}.")


@school_app.command("register")
def school_register(
    school: str,
    provider_id: Annotated[str, typer.Option("--provider-id", help="The 5-digit provider ID.")],
    link_code: Annotated[
        str | None,
        typer.Option(
            "--link-code",
            help="The one-time code from the center's KinderTrack administrator (required "
            "when KinderTrack asks for provider authorization, and to move a provider ID "
            "from another school).",
        ),
    ] = None,
    username: Annotated[str | None, typer.Option(help="Who set it up (optional).")] = None,
) -> None:
    """Register the school's KinderTrack provider ID (verified with KinderTrack)."""
    from core.services import schools

    registration = schools.register_provider(
        runtime(),
        school_id=school_id(school),
        provider_id=provider_id,
        link_code=link_code,
        username=username,
        actor=OPERATOR,
    )
    typer.echo(
        f"Registered: {school} is KinderTrack provider {registration.provider_id} "
        f"({registration.provider_name})."
    )


@student_app.command("add")
def student_add(
    school: str,
    name: str,
    child_id: Annotated[str | None, typer.Option("--child-id", help="6-digit child ID.")] = None,
    birth_date: Annotated[
        str | None, typer.Option("--birth-date", help="YYYY-MM-DD: helps sync tell children apart.")
    ] = None,
) -> None:
    """Add a student, optionally with their KinderTrack child ID and birth date."""
    from core.services import students

    student = students.add_student(
        runtime(),
        school_id=school_id(school),
        name=name,
        child_id=child_id,
        birth_date=birth_date,
        actor=OPERATOR,
    )
    linked = f" linked to child ID {student.child_id}" if student.child_id else ""
    typer.echo(f"Added {student.name}{linked}.")


@student_app.command("link")
def student_link(school: str, name: str, child_id: str) -> None:
    """Link a student to their 6-digit KinderTrack child ID."""
    from core.services import students

    student = students.link_student(
        runtime(), school_id=school_id(school), name=name, child_id=child_id, actor=OPERATOR
    )
    typer.echo(f"Linked {student.name} to child ID {student.child_id}.")


@student_app.command("sync")
def student_sync(school: str) -> None:
    """Match students to KinderTrack's roster: link exact matches, list the rest."""
    from core.services import students

    result = students.sync_students(runtime(), school_id=school_id(school), actor=OPERATOR)
    for name, child in result.linked:
        typer.echo(f"Linked {name} to child ID {child}.")
    typer.echo(f"{len(result.linked)} linked, {result.already_linked} were already linked.")
    if result.needs_review:
        typer.echo("Needs review (confirm with `rollcall student link SCHOOL NAME CHILD_ID`):")
        for s in result.needs_review:
            typer.echo(f"  {s.student_name} -> {s.child.full_name} ({s.child.child_id})?")
    if result.ambiguous:
        typer.echo("Ambiguous (more than one fits; link by hand):")
        for name, children in result.ambiguous:
            fits = ", ".join(f"{c.full_name} ({c.child_id})" for c in children)
            typer.echo(f"  {name}: {fits}")
    if result.unmatched_students:
        typer.echo("No match on KinderTrack's roster for: " + ", ".join(result.unmatched_students))
    if result.unmatched_roster:
        typer.echo(
            "On KinderTrack's roster but not here: "
            + ", ".join(f"{c.full_name} ({c.child_id})" for c in result.unmatched_roster)
        )


@attendance_app.command("import")
def attendance_import(
    school: str,
    file: Annotated[
        Path,
        typer.Argument(help="CSV with header student,check_in,check_out[,absence]."),
    ],
    add_students: Annotated[
        bool, typer.Option("--add-students", help="Add students the file names but Rollcall lacks.")
    ] = False,
) -> None:
    """Import attendance from a CSV file: all rows or none."""
    from core.services import imports

    try:
        content = file.read_bytes()
    except OSError as error:
        raise InvalidInput(f"Cannot read {file}: {error.strerror}.") from error
    result = imports.import_csv(
        runtime(),
        school_id=school_id(school),
        content=content,
        actor=OPERATOR,
        add_students=add_students,
    )
    typer.echo(
        f"Imported {result.added} record(s); {result.duplicates} already present were skipped."
    )
    if result.absences:
        typer.echo(f"Recorded {result.absences} day(s) away (absences and closures).")
    if result.students_added:
        typer.echo("Added students: " + ", ".join(result.students_added))


@attendance_app.command("list")
def attendance_list(
    school: str,
    start: From,
    end: To,
    student: Annotated[str | None, typer.Option(help="Only this student.")] = None,
    as_json: Json = False,
) -> None:
    """List attendance records (times in the school's zone)."""
    from cli import render
    from core.services import schools, stays

    first, last = _range(start, end)
    sid = school_id(school)
    records = stays.list_attendance(
        runtime(), school_id=sid, start=first, end=last, student_name=student
    )
    if as_json:
        render.print_json(render.records_json(records))
        return
    with runtime().session() as session:
        tz = zone(schools.get_school(session, school_id=sid).timezone)
    render.print_records(records, tz)


@attendance_app.command("edit")
def attendance_edit(
    school: str,
    record_id: int,
    check_in: Annotated[str | None, typer.Option("--check-in", help="New check-in time.")] = None,
    check_out: Annotated[
        str | None, typer.Option("--check-out", help="New check-out time ('' clears it).")
    ] = None,
) -> None:
    """Change a record's check-in or check-out time."""
    from core.services import stays

    stays.edit_record(
        runtime(),
        school_id=school_id(school),
        record_id=record_id,
        check_in=check_in,
        check_out=check_out,
        actor=OPERATOR,
    )
    typer.echo(f"Record {record_id} updated.")


@attendance_app.command("delete")
def attendance_delete(school: str, record_id: int) -> None:
    """Delete a record (a duplicate, say)."""
    from core.services import stays

    stays.delete_record(runtime(), school_id=school_id(school), record_id=record_id, actor=OPERATOR)
    typer.echo(f"Record {record_id} deleted.")


@attendance_app.command("absent")
def attendance_absent(
    school: str,
    student: Annotated[str, typer.Argument(help="The child's name, or '*' for the center.")],
    day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")],
    kind: Annotated[
        str, typer.Option("--kind", help="absent, holiday, or closed (STUDENT is '*').")
    ] = "absent",
) -> None:
    """Record a child absent (or a holiday), or the whole center closed ('*')."""
    from core.services import absences

    done = absences.record_absence(
        runtime(),
        school_id=school_id(school),
        student_name=student,
        day=day,
        kind=kind,
        actor=OPERATOR,
    )
    who = done.student_name or "The center"
    verb = "was recorded" if done.changed else "was already recorded"
    typer.echo(f"{who} {done.day.isoformat()}: {done.kind.label} {verb}.")


@attendance_app.command("delete-absence")
def attendance_delete_absence(
    school: str,
    student: Annotated[str, typer.Argument(help="The child's name, or '*' for the center.")],
    day: Annotated[str, typer.Argument(metavar="DATE", help="YYYY-MM-DD")],
) -> None:
    """Remove a child's absence (or holiday), or the center's closure ('*'), recorded by
    mistake."""
    from core.services import absences

    done = absences.delete_absence(
        runtime(), school_id=school_id(school), student_name=student, day=day, actor=OPERATOR
    )
    who = done.student_name or "The center"
    typer.echo(f"{who} {done.day.isoformat()}: {done.kind.label} removed.")


def report(
    school: str,
    start: From,
    end: To,
    as_json: Json = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", help="Also write the rows as CSV.")
    ] = None,
) -> None:
    """Preview the KinderTrack Subsidy Report for a pay period."""
    from cli import render
    from core.domain.exports import report_csv
    from core.services import reports

    first, last = _range(start, end)
    result = reports.school_report(runtime(), school_id=school_id(school), start=first, end=last)
    if csv_file is not None:
        csv_file.write_text(report_csv(result), encoding="utf-8")
    if as_json:
        render.print_json(render.report_json(result))
    else:
        render.print_report(result)


def check(start: From, end: To, as_json: Json = False) -> None:
    """Check every school's report for a range at once (which can be submitted)."""
    from cli import render
    from core.services import validation

    first, last = _range(start, end)
    checked = list(validation.check_schools(runtime(), start=first, end=last))
    blocked = [c for c in checked if not c.can_submit]
    if as_json:
        render.print_json(render.check_json(first, last, checked, blocked))
        return
    for school in blocked:
        typer.echo(render.check_line(school))
    typer.echo(
        f"{len(checked) - len(blocked)} of {len(checked)} schools can be submitted"
        f" for {first} to {last}."
    )


def submit(
    school: str,
    start: From,
    end: To,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: submission is final.")] = False,
    run_async: Annotated[bool, typer.Option("--async", help="Hand it to the workers.")] = False,
) -> None:
    """Approve and submit a pay period to KinderTrack (once; it cannot be edited after)."""
    from core.domain.submission import SubmissionState
    from core.notices import SubmissionChanged
    from core.services import approvals

    if not yes:
        raise InvalidInput(
            "Submitted attendance cannot be edited and a pay period can be submitted only "
            "once: add --yes to confirm."
        )
    first, last = _range(start, end)
    rt = runtime()
    # The command line's contract (docs/CLI.md) submits any pay period once --yes is given.
    view = approvals.approve(
        rt,
        school_id=school_id(school),
        start=first,
        end=last,
        approved_by=OPERATOR,
        early=True,
        undoable=False,
    )
    if run_async:
        if _handed_to_workers(view.id):
            typer.echo(f"Submission {view.id} approved; the workers are sending it.")
        else:
            typer.echo(
                f"Submission {view.id} approved; the queue (Redis) did not answer, so "
                "`rollcall scheduler` hands it to the workers once it does."
            )
        typer.echo(f"Check it with: rollcall status {school!r} --from {first} --to {last}")
        return
    result = _drive(view.id)
    view = result.submission
    if result.changed:
        announce(SubmissionChanged(school_id=view.school_id, submission=view))
    if view.state is SubmissionState.SUBMITTED:
        typer.echo(
            f"Submitted to KinderTrack: confirmation {view.kindertrack_submission_id} "
            f"({view.record_count} records)."
        )
        return
    raise RollcallError(view.error or f"Submission {view.id} is {view.state}.")


def _handed_to_workers(submission_id: int) -> bool:
    """Queue the operator's send; False when Redis does not answer. The approval stands
    either way: the scheduler's sweep re-drives an idle approval without an undo window."""
    import dramatiq.errors
    import redis.exceptions

    from workers.dispatch import enqueue_submission

    try:
        enqueue_submission(submission_id)
    except (dramatiq.errors.ConnectionError, redis.exceptions.RedisError):
        return False
    return True


def _drive(submission_id: int, attempts: int = 3) -> RunResult:
    """Run the submission in this process, retrying what is safe to retry."""
    from core.services import sending

    rt = runtime()
    for attempt in range(attempts):
        try:
            # The operator's --yes is the explicit send: no undo window is waited for.
            return sending.run_submission(rt, submission_id=submission_id, undoable=False)
        except KinderTrackUnavailable:
            if attempt == attempts - 1:
                raise RollcallError(
                    "KinderTrack did not answer. The submission stays approved; "
                    "`rollcall worker` and `rollcall scheduler` will finish it."
                ) from None
            time.sleep(2**attempt)
    raise AssertionError("unreachable")


def status(school: str, start: From, end: To, as_json: Json = False) -> None:
    """The state of the pay period's submission."""
    from cli import render
    from core.services import submissions

    first, last = _range(start, end)
    view = submissions.submission_status(
        runtime(), school_id=school_id(school), start=first, end=last
    )
    if as_json:
        render.print_json(view.status_json() if view else submissions.DRAFT_STATUS)
    elif view is None:
        typer.echo("draft: not approved yet.")
    else:
        render.print_submission(view)


def register(app: typer.Typer) -> None:
    app.add_typer(school_app, name="school")
    app.add_typer(student_app, name="student")
    app.add_typer(attendance_app, name="attendance")
    app.command("report")(report)
    app.command("check")(check)
    app.command("submit")(submit)
    app.command("status")(status)
