"""The CSV import modal: opening it, and its submission.

Why the submission only checks and enqueues: Slack gives a view_submission 3 seconds,
and downloading and importing a file can take longer. The checks that can refuse at
once (a form out of date, a school of another workspace, not a director, no file) answer
on the modal's field; then the modal closes and a worker imports the file, telling the
director the result in a direct message. The message to the worker carries IDs only
(team, school, file, user, channel), never the file's content or a name.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import imports
from bot.blocks.modals import ModalMeta
from bot.destination import to_user
from bot.permissions import SchoolAccess, actor_from_payload, school_by_id
from core.errors import RollcallError
from workers import dispatch

log = logging.getLogger(__name__)


def open_import_modal(
    client: WebClient, *, trigger_id: str, access: SchoolAccess, meta: ModalMeta
) -> None:
    view = imports.import_modal(access.school_name, access.timezone, meta)
    try:
        client.views_open(trigger_id=trigger_id, view=view.to_dict())
    except SlackApiError as error:  # an expired trigger: the director runs it again
        log.warning("views.open of the import modal failed: %s", error.response.get("error"))


def handle_import_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    actor = actor_from_payload(body, context)
    try:
        meta = ModalMeta.decode(view.get("private_metadata", ""))
        access = school_by_id(actor, meta.school_id, director=True)
    except RollcallError as refusal:
        ack(response_action="errors", errors={imports.FILE_BLOCK: str(refusal)})
        return
    files = imports.uploaded_file_ids(view)
    if len(files) != 1:
        ack(response_action="errors", errors={imports.FILE_BLOCK: "Choose one CSV file."})
        return
    ack()
    dispatch.enqueue_import(
        access.school_id,
        files[0],
        add_students=imports.add_students_ticked(view),
        actor=actor.user_id,
        team_id=actor.team_id,
        channel_id=meta.channel_id,
        destination=to_user(actor),
    )
    log.info(
        "import enqueued",
        extra={"event": "import_enqueued", "school_id": access.school_id, "file_id": files[0]},
    )


def register(app: App) -> None:
    app.view(imports.IMPORT_CALLBACK)(handle_import_submission)
