"""Dramatiq actors: arguments in (IDs and ISO dates, never names), a core use case, a
notice out.

The broker is set by :func:`workers.broker.ensure_broker` before any actor is declared.
Retries follow ``workers.broker.should_retry``: only exceptions marked ``retryable``
(KinderTrack unreachable, outcome unknown) are retried; a KinderTrack 4xx never is.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from core.config import get_settings
from core.domain.pay_periods import PayPeriod
from core.errors import ImportRefused, KinderTrackError, RollcallError
from core.i18n import _, format_date
from core.notices import (
    AttendanceImported,
    AttendanceImportRefused,
    DayProblems,
    Notice,
    ProviderRegistered,
    RegistrationRefused,
    ReportFailed,
    ReportReady,
    SubmissionChanged,
)
from core.services import imports, nudges, periods, reminders, reports, schools, sending
from core.services.reminder_delivery import deliver_reminders
from workers.broker import ensure_broker
from workers.failures import IMPORT_FAILED, is_transient
from workers.language import in_reader_language
from workers.runtime import runtime, slack_client

ensure_broker()

log = logging.getLogger(__name__)

#: How long a ping's reply key lives in Redis.
PING_REPLY_TTL_S = 300


@dramatiq.actor(queue_name="default")
def ping(reply_key: str | None = None) -> None:
    """Prove a worker is consuming: log a JSON line and, if asked, set ``reply_key`` to "pong"."""
    log.info("pong", extra={"event": "ping"})
    broker = ping.broker
    if reply_key and isinstance(broker, RedisBroker):
        broker.client.set(reply_key, "pong", ex=PING_REPLY_TTL_S)


@dramatiq.actor(queue_name="submissions")
def submit_submission(submission_id: int, undoable: bool = True) -> None:
    """Drive one approved submission to KinderTrack (docs/ARCHITECTURE.md); safe to run twice.

    ``undoable`` False is the operator's explicit send: no undo window is waited for."""
    rt = runtime()
    result = sending.run_submission(rt, submission_id=submission_id, undoable=undoable)
    if result.changed:
        view = result.submission
        rt.notifier.notify(SubmissionChanged(school_id=view.school_id, submission=view))


# Jobs are named ``*_job`` in Python (``build_report`` is the domain rule it calls); their
# actor_name stays the queued name, so messages already in Redis still find their actor.
@dramatiq.actor(queue_name="reports", actor_name="build_report")
@in_reader_language
def build_report_job(school_id: int, start: str, end: str, destination: dict[str, Any]) -> None:
    """Build and check a report off the Slack request path; the notifier delivers it."""
    rt = runtime()
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    try:
        report = reports.school_report(rt, school_id=school_id, start=first, end=last)
    except RollcallError as error:
        rt.notifier.notify(
            ReportFailed(
                school_id=school_id, message=error.worded(format_date), destination=destination
            )
        )
        return
    rt.notifier.notify(ReportReady(school_id=school_id, report=report, destination=destination))


@dramatiq.actor(queue_name="registrations")
def refresh_pay_periods(school_id: int, around: str) -> None:
    """Ask KinderTrack for a school's pay periods around ``around`` and cache them, for a
    Slack listener that read an old cache (it may not wait on KinderTrack). KinderTrack's
    refusal is not retried: the next request that finds the cache old asks again."""
    rt = runtime()
    try:
        periods.school_periods(rt, school_id=school_id, around=date.fromisoformat(around))
    except KinderTrackError as error:
        log.warning(
            "pay periods not refreshed",
            extra={"event": "pay_periods_stale", "school_id": school_id, "error": str(error)},
        )


@dramatiq.actor(queue_name="registrations", actor_name="register_provider")
@in_reader_language
def register_provider_job(
    school_id: int,
    provider_id: str,
    username: str | None,
    actor: str,
    team_id: str | None,
    destination: dict[str, Any],
    link_code: str | None = None,
) -> None:
    """Verify a provider ID (and its link code) with KinderTrack and tell the director how
    it went. ``link_code`` comes last so messages queued before it existed still run."""
    rt = runtime()
    notice: Notice
    try:
        registration = schools.register_provider(
            rt,
            school_id=school_id,
            provider_id=provider_id,
            link_code=link_code,
            username=username,
            actor=actor,
            team_id=team_id,
        )
    except RollcallError as error:
        if getattr(error, "retryable", False):
            raise
        notice = RegistrationRefused(
            school_id=school_id, message=error.worded(format_date), destination=destination
        )
    else:
        notice = ProviderRegistered(
            school_id=school_id,
            provider_id=registration.provider_id,
            provider_name=registration.provider_name,
            destination=destination,
        )
    rt.notifier.notify(notice)


@dramatiq.actor(queue_name="imports")
@in_reader_language
def import_attendance_file(
    school_id: int,
    file_id: str,
    add_students: bool,
    actor: str,
    team_id: str,
    channel_id: str | None,
    destination: dict[str, Any],
) -> None:
    """Import the CSV a director uploaded to Slack, all or nothing, and tell them how it went.

    Safe to run twice: rows already stored are counted, not added again. A refusal (the
    file, or its rows) is an answer for the director, never retried; so is a failure
    nobody foresaw (the modal has closed: silence would leave the director waiting), which
    is logged by its type only, since its text may quote the file. A database or Redis
    that does not answer is retried instead (and answered if it never comes back).
    """
    from bot.files import read_csv_upload  # Slack's part of the job, loaded when needed

    rt = runtime()
    notice: Notice
    try:
        content = read_csv_upload(slack_client(team_id), file_id, uploader=actor)
        result = imports.import_csv(
            rt,
            school_id=school_id,
            content=content,
            actor=actor,
            add_students=add_students,
            team_id=team_id,
        )
    except RollcallError as error:
        problems = error.worded_problems(format_date) if isinstance(error, ImportRefused) else []
        notice = AttendanceImportRefused(
            school_id=school_id,
            file_id=file_id,
            channel_id=channel_id,
            destination=destination,
            message=error.worded(format_date),
            problems=tuple(problems),
            unknown_students=isinstance(error, ImportRefused) and error.unknown_students,
        )
        log.info(
            "import refused",
            extra={"event": "import_refused", "school_id": school_id, "file_id": file_id},
        )
    except Exception as error:
        if is_transient(error):
            raise  # a database or Redis hiccup: retried (workers.failures)
        # import_csv saves all or nothing, so an error here means nothing was saved.
        notice = AttendanceImportRefused(
            school_id=school_id,
            file_id=file_id,
            channel_id=channel_id,
            destination=destination,
            message=_(IMPORT_FAILED),
        )
        log.error(
            "import failed",
            extra={
                "event": "import_failed",
                "school_id": school_id,
                "file_id": file_id,
                "error": type(error).__name__,
            },
        )
    else:
        notice = AttendanceImported(
            school_id=school_id,
            added=result.added,
            duplicates=result.duplicates,
            students_added=tuple(result.students_added),
            file_id=file_id,
            channel_id=channel_id,
            destination=destination,
        )
        log.info(
            "attendance imported",
            extra={
                "event": "import_done",
                "school_id": school_id,
                "file_id": file_id,
                "added": result.added,
                "duplicates": result.duplicates,
            },
        )
    rt.notifier.notify(notice)


@dramatiq.actor(queue_name="maintenance")
def sweep_stuck_submissions() -> None:
    """Re-drive submissions the database says are owed but nobody is driving."""
    rt = runtime()
    idle = timedelta(seconds=get_settings().sweep_idle_seconds)
    for submission_id in sending.stuck_submissions(rt, idle_for=idle):
        log.info(
            "re-driving a stuck submission",
            extra={"event": "sweep", "submission_id": submission_id},
        )
        submit_submission.send(submission_id)


REMINDER_BATCH = 50
"""Schools per queued reminder message: their previews are read together."""


@dramatiq.actor(queue_name="reminders")
def send_due_reminders() -> None:
    """Fan out the reminders due now, one message per batch of schools."""
    rt = runtime()
    due = [
        [d.school_id, d.period.start.isoformat(), d.period.end.isoformat(), str(d.kind)]
        for d in reminders.due_reminders(rt)
    ]
    for first in range(0, len(due), REMINDER_BATCH):
        send_reminders.send(due[first : first + REMINDER_BATCH])


@dramatiq.actor(queue_name="reminders")
def send_reminders(batch: list[list[Any]]) -> None:
    """Send a batch of reminders, each at most once (``deliver_reminders``)."""
    rt = runtime()
    dues = [
        reminders.DueReminder(
            int(school_id),
            PayPeriod(date.fromisoformat(start), date.fromisoformat(end)),
            reminders.ReminderKind(kind),
        )
        for school_id, start, end, kind in batch
    ]
    for due in deliver_reminders(rt, dues):
        log.info(
            "reminder sent",
            extra={
                "event": "reminder",
                "school_id": due.school_id,
                "period": f"{due.period.start}/{due.period.end}",
                "kind": str(due.kind),
            },
        )


@dramatiq.actor(queue_name="reminders")
def send_reminder(school_id: int, start: str, end: str, kind: str) -> None:
    """One reminder: the message of a pass queued before reminders went in batches."""
    send_reminders.fn([[school_id, start, end, kind]])


@dramatiq.actor(queue_name="reminders")
def send_due_nudges() -> None:
    """Fan out the same-day nudges due now (schools past their closing time), one each."""
    rt = runtime()
    for due in nudges.due_nudges(rt):
        send_nudge.send(due.school_id, due.day.isoformat())


@dramatiq.actor(queue_name="reminders")
def send_nudge(school_id: int, day: str) -> None:
    """Tell the directors the day's problems, at most once per school per day: claim the
    day, check it, notify only when there is something to fix; on failure release the
    claim so the next pass sends it."""
    rt = runtime()
    due = nudges.DueNudge(school_id, date.fromisoformat(day))
    if not nudges.claim_nudge(rt, due):
        return
    try:
        check = nudges.day_check(rt, school_id=school_id, day=due.day)
        if not check.clean:
            rt.notifier.notify(DayProblems(school_id=school_id, check=check))
    except BaseException:
        nudges.release_nudge(rt, due)
        raise
    nudges.mark_delivered(rt, due)
    log.info(
        "day checked",
        extra={
            "event": "day_check",
            "school_id": school_id,
            "day": day,
            "problems": len(check.problems),
        },
    )
