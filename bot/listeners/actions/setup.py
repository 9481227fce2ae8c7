"""The report's "Link child ID" button (the link modal, with that student preselected)
and a sync's "Link" button on a near match (links it in one click).

Each button's value names a school, which must belong to the clicking user's workspace
and be directed by them, or nothing happens.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import ModalMeta
from bot.blocks.report import LINK_ACTION
from bot.blocks.setup import CONFIRM_MATCH_ACTION, linked_text
from bot.blocks.values import StudentRef, SuggestionRef
from bot.escape import escape_mrkdwn
from bot.listeners.views.setup import open_link_modal
from bot.permissions import actor_from_payload, school_by_id
from bot.refusals import refusal_text
from bot.runtime import runtime
from core.errors import RollcallError
from core.services.students import confirm_suggestion

log = logging.getLogger(__name__)

LINK_PATTERN = re.compile(rf"^{LINK_ACTION}")
CONFIRM_MATCH_PATTERN = re.compile(rf"^{CONFIRM_MATCH_ACTION}_\d+$")


def handle_link_button(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = StudentRef.decode(body["actions"][0].get("value", ""))
        access = school_by_id(actor, ref.school_id, director=True)
    except RollcallError as refusal:
        respond(
            text=escape_mrkdwn(refusal_text(refusal)),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    log.info(
        "link modal opened",
        extra={"event": "link_modal", "student_id": ref.student_id, "school_id": ref.school_id},
    )
    open_link_modal(
        client,
        trigger_id=body["trigger_id"],
        actor=actor,
        access=access,
        meta=ModalMeta(access.school_id, actor.channel_id),
        selected_student=ref.student_id,
    )


def handle_confirm_match(
    ack: Ack, body: dict[str, Any], respond: Respond, context: BoltContext
) -> None:
    """A director confirms a near match of a sync: link it (checked again with KinderTrack)."""
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = SuggestionRef.decode(body["actions"][0].get("value", ""))
        access = school_by_id(actor, ref.school_id, director=True)
        student = confirm_suggestion(
            runtime(),
            school_id=access.school_id,
            student_id=ref.student_id,
            child_id=ref.child_id,
            actor=actor.user_id,
            team_id=actor.team_id,
        )
    except RollcallError as refusal:
        respond(
            text=escape_mrkdwn(refusal_text(refusal)),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    log.info(
        "near match confirmed",
        extra={"event": "near_match", "student_id": student.id, "school_id": access.school_id},
    )
    respond(
        text=linked_text(student.name, student.child_id or ""),
        response_type="ephemeral",
        replace_original=False,
    )


def register(app: App) -> None:
    app.action(LINK_PATTERN)(handle_link_button)
    app.action(CONFIRM_MATCH_PATTERN)(handle_confirm_match)
