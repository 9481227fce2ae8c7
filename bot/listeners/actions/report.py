"""Buttons of the report message: Approve & submit, Review errors, Refresh, Previous/Next.

Each listener acks first, then re-checks what the button's value claims: the school must
belong to the requesting workspace, and approving or reviewing takes a director. A
refusal is answered only to the person who clicked (the action's ``response_url`` with
``replace_original`` false) and changes nothing.

- Approve & submit: approve (idempotent: a double click gets the same submission), at
  once replace the message with the "Submitting… approved by" state (no buttons left to
  click), then hand the submission to a worker. A period sent meanwhile another way (the
  operator's ``rollcall submit --yes``) is refused to the clicker, and a preview no
  submission follows shows what was sent instead.
- Review errors: open the review modal with the trigger ID, built from the use cases
  directly (a trigger ID lives 3 seconds, too short for a round trip through a worker).
- Refresh and the page buttons: a worker rebuilds the report into the same message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.report import (
    APPROVE_ACTION,
    EARLY_ACTION,
    PAGE_ACTION,
    REFRESH_ACTION,
    REVIEW_ACTION,
    report_message,
)
from bot.blocks.review import ReviewMeta
from bot.blocks.submission import UNDO_ACTION, submission_message
from bot.blocks.values import PeriodRef
from bot.destination import message_location, to_clicked_message
from bot.escape import escape_mrkdwn
from bot.listeners.views.review import build_review
from bot.permissions import actor_from_payload, school_by_id
from bot.refusals import refusal_text
from bot.runtime import runtime
from core.domain.submission import SubmissionState
from core.errors import AlreadySubmitted, RollcallError, StalePreview
from core.i18n import current, using_locale
from core.services import approvals, reports, submissions, workspace
from core.services.runtime import Runtime
from core.services.submissions import SubmissionView
from core.services.workspace import PostedMessage
from workers import dispatch

log = logging.getLogger(__name__)


def _ref(body: dict[str, Any]) -> PeriodRef:
    actions = body.get("actions") or [{}]
    return PeriodRef.decode(str(actions[0].get("value", "")))


def _refuse(respond: Respond, error: RollcallError) -> None:
    """Tell only the person who clicked; the message stays as it was. The refusal may
    carry stored names, so it is escaped for mrkdwn."""
    respond(
        text=escape_mrkdwn(refusal_text(error)), response_type="ephemeral", replace_original=False
    )


def handle_approve(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = _ref(body)
        school_by_id(actor, ref.school_id, director=True)
        rt = runtime()
        view = approvals.approve(
            rt,
            school_id=ref.school_id,
            start=ref.start,
            end=ref.end,
            approved_by=actor.user_id,
            team_id=actor.team_id,
            seen=ref.seen,
            early=ref.early,
        )
        report = reports.school_report(
            rt, school_id=ref.school_id, start=ref.start, end=ref.end, refresh_periods=False
        )
    except StalePreview as error:
        # Show the director what would be approved now, in place of the stale preview.
        dispatch.enqueue_report(
            ref.school_id,
            ref.start,
            ref.end,
            destination=to_clicked_message(actor, body),
        )
        _refuse(respond, error)
        return
    except AlreadySubmitted as error:
        log.info("approval refused", extra={"event": "approve_refused", "error": "sent"})
        _refuse(respond, error)
        _show_sent(client, ref, body)
        return
    except RollcallError as error:
        log.info(
            "approval refused",
            extra={"event": "approve_refused", "error": type(error).__name__},
        )
        _refuse(respond, error)
        return
    channel, ts = message_location(body)
    undo_until = approvals.undo_deadline(rt, view)

    def message() -> dict[str, Any]:
        return submission_message(report, view, school_id=ref.school_id, undo_until=undo_until)

    if channel and ts:
        # Every copy (the reminder's DM, the channel's report) shows "Submitting…" and its
        # Undo; the worker still submits if Slack refuses one, and its notice updates them.
        _update_copies(client, rt, ref, (channel, ts), message, event="approve_update_failed")
        if (channel, ts) not in workspace.messages_for_period(
            rt, school_id=ref.school_id, start=ref.start, end=ref.end
        ):
            workspace.remember_message(
                rt, school_id=ref.school_id, start=ref.start, end=ref.end, channel_id=channel, ts=ts
            )
        _catch_up(client, rt, ref, view, channel=channel, ts=ts)
    else:
        respond(replace_original=True, **message())
    dispatch.enqueue_submission(view.id, undo_window=rt.undo_window)
    log.info(
        "submission approved from Slack",
        extra={"event": "approve", "school_id": ref.school_id, "submission_id": view.id},
    )


def _show_sent(client: WebClient, ref: PeriodRef, body: dict[str, Any]) -> None:
    """A preview approved after its period was sent another way (the operator's `rollcall
    submit --yes`, another message) was never told, as no submission follows it: it now
    shows what was sent, and who approved it. A message that follows the period already
    does (the notifier updates it)."""
    channel, ts = message_location(body)
    rt = runtime()
    if not (channel and ts) or (channel, ts) in workspace.messages_for_period(
        rt, school_id=ref.school_id, start=ref.start, end=ref.end
    ):
        return
    sent = submissions.submission_status(rt, school_id=ref.school_id, start=ref.start, end=ref.end)
    if sent is None:
        return
    _draw_submission(client, rt, ref, sent, channel=channel, ts=ts)


def _catch_up(
    client: WebClient,
    rt: Runtime,
    ref: PeriodRef,
    shown: SubmissionView,
    *,
    channel: str,
    ts: str,
) -> None:
    """Redraw once more if a worker finished the submission while we drew "Submitting…".

    A second click can draw "Submitting…" just after the worker's final update; the
    worker will not update again, so the listener re-reads after its own update and
    shows the final state itself.
    """
    latest = submissions.submission_status(
        rt, school_id=ref.school_id, start=ref.start, end=ref.end
    )
    if latest is None or latest.state in (shown.state, SubmissionState.SUBMITTING):
        return
    if latest.state is SubmissionState.APPROVED:
        return
    _draw_submission(client, rt, ref, latest, channel=channel, ts=ts)


def _draw_submission(
    client: WebClient,
    rt: Runtime,
    ref: PeriodRef,
    view: SubmissionView,
    *,
    channel: str,
    ts: str,
) -> None:
    """Show the submission's state on one message; a message Slack refuses to update is
    logged, not answered (the click was already answered)."""
    report = reports.school_report(
        rt, school_id=ref.school_id, start=ref.start, end=ref.end, refresh_periods=False
    )
    try:
        client.chat_update(
            channel=channel, ts=ts, **submission_message(report, view, school_id=ref.school_id)
        )
    except SlackApiError as error:
        log.warning(
            "could not show the submission on the message",
            extra={"event": "approve_update_failed", "error": error.response.get("error")},
        )


def handle_undo(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Withdraw an approval no worker has claimed yet; the message becomes the preview
    again. Too late (a worker is sending it) is said to the director alone."""
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = _ref(body)
        school_by_id(actor, ref.school_id, director=True)
        rt = runtime()
        view = approvals.withdraw(
            rt, school_id=ref.school_id, start=ref.start, end=ref.end, team_id=actor.team_id
        )
        report = reports.school_report(
            rt, school_id=ref.school_id, start=ref.start, end=ref.end, refresh_periods=False
        )
    except RollcallError as error:
        log.info("undo refused", extra={"event": "undo_refused", "error": type(error).__name__})
        _refuse(respond, error)
        return
    log.info(
        "approval withdrawn from Slack",
        extra={"event": "undo", "school_id": ref.school_id, "submission_id": view and view.id},
    )

    def message() -> dict[str, Any]:
        if view is not None:
            return submission_message(report, view, school_id=ref.school_id)
        return report_message(report, school_id=ref.school_id)

    channel, ts = message_location(body)
    if not (channel and ts):
        respond(replace_original=True, **message())
    # Every copy said "Submitting…": each is the preview again.
    _update_copies(client, rt, ref, (channel, ts), message, event="undo_update_failed")


def _update_copies(
    client: WebClient,
    rt: Runtime,
    ref: PeriodRef,
    clicked: tuple[str | None, str | None],
    message: Callable[[], dict[str, Any]],
    *,
    event: str,
) -> None:
    """Show ``message`` on every remembered copy of the period's message (a reminder's DM,
    the channel's report), each in the language it was posted in; the clicked one first,
    in the clicker's. A copy Slack refuses (deleted, say) is logged and skipped."""
    channel, ts = clicked
    copies = [PostedMessage(channel, ts, current())] if channel and ts else []
    copies += [
        posted
        for posted in workspace.posted_messages(
            rt, school_id=ref.school_id, start=ref.start, end=ref.end
        )
        if (posted.channel_id, posted.ts) != (channel, ts)
    ]
    for copy in copies:
        with using_locale(copy.locale):
            try:
                client.chat_update(channel=copy.channel_id, ts=copy.ts, **message())
            except SlackApiError as error:
                log.warning(
                    "could not update a copy of the period's message",
                    extra={"event": event, "error": error.response.get("error")},
                )


def handle_review(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    actor = actor_from_payload(body, context)
    channel, ts = message_location(body)
    try:
        ref = _ref(body)
        view = build_review(actor, ReviewMeta(ref.school_id, ref.start, ref.end, channel, ts))
    except RollcallError as error:
        _refuse(respond, error)
        return
    client.views_open(trigger_id=body["trigger_id"], view=view)


def handle_redraw(
    ack: Ack,
    body: dict[str, Any],
    respond: Respond,
    context: BoltContext,
    *,
    paged: bool,
) -> None:
    """Refresh (``paged`` False: rebuilt from page one, with a new CSV in the thread) or
    Previous/Next (``paged``: the button's page, no new CSV): a worker redraws the message."""
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = _ref(body)
        school_by_id(actor, ref.school_id)
    except RollcallError as error:
        _refuse(respond, error)
        return
    where = to_clicked_message(actor, body, page=ref.page if paged else None)
    dispatch.enqueue_report(ref.school_id, ref.start, ref.end, destination=where)


handle_refresh = partial(handle_redraw, paged=False)
handle_page = partial(handle_redraw, paged=True)


def register(app: App) -> None:
    """Register this module's listeners on the app."""
    app.action(APPROVE_ACTION)(handle_approve)
    app.action(EARLY_ACTION)(handle_approve)
    app.action(UNDO_ACTION)(handle_undo)
    app.action(REVIEW_ACTION)(handle_review)
    app.action(REFRESH_ACTION)(handle_refresh)
    app.action(re.compile(rf"^{PAGE_ACTION}_(prev|next)$"))(handle_page)
