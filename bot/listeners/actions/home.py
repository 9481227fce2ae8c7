"""The App Home buttons: Preview report, Register, Link children, Sync roster.

Each names a school in its value; the school must belong to the clicking user's
workspace and be directed by them. A refusal (or a result) goes to the user by direct
message: a Home tab click has no response_url.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import home
from bot.blocks.modals import ModalMeta
from bot.blocks.setup import sync_message
from bot.destination import to_user
from bot.escape import escape_mrkdwn
from bot.listeners.events.app_home import publish_home
from bot.listeners.views.setup import open_link_modal, open_register_modal
from bot.periods import school_day
from bot.permissions import Actor, SchoolAccess, actor_from_payload, school_by_id
from bot.redraw import redraw_open_reports
from bot.refusals import refusal_text
from bot.runtime import runtime
from core.errors import RollcallError
from core.i18n import _
from core.services.students import sync_students
from workers import dispatch

log = logging.getLogger(__name__)


def _dm(client: WebClient, user_id: str, **message: Any) -> None:
    try:
        client.chat_postMessage(channel=user_id, **message)
    except SlackApiError as error:
        log.warning(
            "DM failed",
            extra={"event": "dm_failed", "user_id": user_id, "error": error.response.get("error")},
        )


def _director_access(
    body: dict[str, Any], client: WebClient, context: BoltContext
) -> tuple[Actor, SchoolAccess] | None:
    actor = actor_from_payload(body, context)
    try:
        school_id = home.decode_school(body["actions"][0].get("value", ""))
        return actor, school_by_id(actor, school_id, director=True)
    except RollcallError as refusal:
        _dm(client, actor.user_id, text=escape_mrkdwn(refusal_text(refusal)))
        return None


def handle_preview(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Build the current period's report in a worker; it arrives by DM, like /kindertrack report."""
    ack()
    found = _director_access(body, client, context)
    if found is None:
        return
    actor, access = found
    try:
        # The report's worker asks KinderTrack for the periods before it judges the range.
        day = school_day(access, refresh=False)
        period = day.periods.containing(day.today)
    except RollcallError as refusal:
        _dm(client, actor.user_id, text=escape_mrkdwn(refusal_text(refusal)))
        return
    dispatch.enqueue_report(access.school_id, period.start, period.end, destination=to_user(actor))
    log.info(
        "report preview enqueued",
        extra={"event": "report_enqueued", "school_id": access.school_id, "user_id": actor.user_id},
    )
    publish_home(
        client,
        team_id=actor.team_id,
        user_id=actor.user_id,
        note=_(
            ":hourglass_flowing_sand: Building the report: it will arrive in your Messages tab."
        ),
    )


def handle_register(
    ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    found = _director_access(body, client, context)
    if found is None:
        return
    _, access = found
    open_register_modal(
        client, trigger_id=body["trigger_id"], access=access, meta=ModalMeta(access.school_id)
    )


def handle_link(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    found = _director_access(body, client, context)
    if found is None:
        return
    actor, access = found
    open_link_modal(
        client,
        trigger_id=body["trigger_id"],
        actor=actor,
        access=access,
        meta=ModalMeta(access.school_id),
    )


def handle_sync(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    found = _director_access(body, client, context)
    if found is None:
        return
    actor, access = found
    try:
        result = sync_students(
            runtime(), school_id=access.school_id, actor=actor.user_id, team_id=actor.team_id
        )
    except RollcallError as refusal:
        _dm(client, actor.user_id, text=escape_mrkdwn(refusal_text(refusal)))
        return
    log.info(
        "school synced from Home",
        extra={"event": "sync", "school_id": access.school_id, "linked": len(result.linked)},
    )
    if result.linked:
        redraw_open_reports(actor, access.school_id)
    _dm(
        client,
        actor.user_id,
        **sync_message(access.school_name, result, school_id=access.school_id),
    )
    publish_home(client, team_id=actor.team_id, user_id=actor.user_id)


def register(app: App) -> None:
    app.action(home.PREVIEW_ACTION)(handle_preview)
    app.action(home.REGISTER_ACTION)(handle_register)
    app.action(home.LINK_ACTION)(handle_link)
    app.action(home.SYNC_ACTION)(handle_sync)
