"""Hand work to the workers. Imports the actors lazily: importing them sets the broker."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any


def enqueue_submission(submission_id: int, *, undo_window: timedelta | None = None) -> None:
    """Send an approval in a worker once ``undo_window`` has passed (the director may
    withdraw it until then); without one, the operator's explicit send, at once."""
    from workers.actors import submit_submission

    if undo_window is None:
        submit_submission.send(submission_id, undoable=False)
        return
    delay_ms = int(undo_window.total_seconds() * 1000)
    submit_submission.send_with_options(args=(submission_id,), delay=delay_ms or None)


def enqueue_report(
    school_id: int, start: date, end: date, *, destination: Mapping[str, Any] | None = None
) -> None:
    """Build and check a report in a worker; the notifier delivers it to ``destination``."""
    from workers.actors import build_report_job

    build_report_job.send(school_id, start.isoformat(), end.isoformat(), dict(destination or {}))


def enqueue_period_refresh(school_id: int, around: date) -> None:
    """Have a worker ask KinderTrack for the school's pay periods around ``around``."""
    from workers.actors import refresh_pay_periods

    refresh_pay_periods.send(school_id, around.isoformat())


def enqueue_registration(
    school_id: int,
    provider_id: str,
    *,
    link_code: str,
    username: str | None,
    actor: str,
    team_id: str | None,
    destination: Mapping[str, Any] | None = None,
) -> None:
    """Register in a worker; the one-time link code travels in the message only (never
    logged), and is void once KinderTrack has seen it."""
    from workers.actors import register_provider_job

    register_provider_job.send(
        school_id, provider_id, username, actor, team_id, dict(destination or {}), link_code
    )


def enqueue_import(
    school_id: int,
    file_id: str,
    *,
    add_students: bool,
    actor: str,
    team_id: str,
    channel_id: str | None,
    destination: Mapping[str, Any],
) -> None:
    """Import the CSV a director uploaded to Slack (``file_id``) in a worker; IDs only."""
    from workers.actors import import_attendance_file

    import_attendance_file.send(
        school_id, file_id, add_students, actor, team_id, channel_id, dict(destination)
    )
