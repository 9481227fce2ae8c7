"""The report's "Link child ID" button: the link modal, with that student preselected.

The button's value is a ``StudentRef``; the school it names must belong to the clicking
user's workspace and be directed by them, or nothing opens.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import ModalMeta
from bot.blocks.report import LINK_ACTION
from bot.blocks.values import StudentRef
from bot.listeners.views.setup import open_link_modal
from bot.permissions import actor_from_payload, school_by_id
from core.errors import RollcallError

log = logging.getLogger(__name__)

LINK_PATTERN = re.compile(rf"^{LINK_ACTION}")


def handle_link_button(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    ack()
    actor = actor_from_payload(body, context)
    try:
        ref = StudentRef.decode(body["actions"][0].get("value", ""))
        access = school_by_id(actor, ref.school_id, director=True)
    except RollcallError as refusal:
        respond(text=str(refusal), response_type="ephemeral", replace_original=False)
        return
    log.info("link modal for student %s of school %s", ref.student_id, ref.school_id)
    open_link_modal(
        client,
        trigger_id=body["trigger_id"],
        actor=actor,
        access=access,
        meta=ModalMeta(access.school_id, actor.channel_id),
        selected_student=ref.student_id,
    )


def register(app: App) -> None:
    app.action(LINK_PATTERN)(handle_link_button)
