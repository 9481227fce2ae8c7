"""The CSV import modal: opening it, and its submission.

Why the submission only checks and enqueues: Slack gives a view_submission 3 seconds,
and downloading and importing a file can take longer. The checks that can refuse at
once (a form out of date, a school of another workspace, not a director, no file, a queue
that cannot be reached) answer on the modal's field; then the modal closes and a worker
imports the file, telling the director the result in a direct message. The message to
the worker carries IDs only (team, school, file, user, channel), never the file's content
or a name.
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
from core.i18n import N_, _, format_date
from workers import dispatch

log = logging.getLogger(__name__)

NOT_STARTED = N_("Rollcall could not start the import just now. Try again in a minute.")


def open_import_modal(
    client: WebClient, *, trigger_id: str, access: SchoolAccess, meta: ModalMeta
) -> None:
    """Open the import modal; when Slack will not (an expired trigger, a missing
    permission), refuse with a message the command answers, rather than stay silent."""
    view = imports.import_modal(access.school_name, access.timezone, meta)
    try:
        client.views_open(trigger_id=trigger_id, view=view.to_dict())
    except SlackApiError as error:
        code = str(error.response.get("error"))
        log.warning(
            "views.open of the import modal failed",
            extra={"event": "modal_failed", "error": code},
        )
        raise RollcallError(
            _(
                "Slack did not open the import form ({code}). Run /kindertrack import again.",
                code=code,
            )
        ) from error


def handle_import_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    actor = actor_from_payload(body, context)
    try:
        meta = ModalMeta.decode(view.get("private_metadata", ""))
        access = school_by_id(actor, meta.school_id, director=True)
    except RollcallError as refusal:
        ack(response_action="errors", errors={imports.FILE_BLOCK: refusal.worded(format_date)})
        return
    files = imports.uploaded_file_ids(view)
    if len(files) != 1:
        ack(response_action="errors", errors={imports.FILE_BLOCK: _("Choose one CSV file.")})
        return
    try:
        dispatch.enqueue_import(
            access.school_id,
            files[0],
            add_students=imports.add_students_ticked(view),
            actor=actor.user_id,
            team_id=actor.team_id,
            channel_id=meta.channel_id,
            destination=to_user(actor),
        )
    except Exception as error:  # the queue is unreachable: say so while the modal is open
        log.error(
            "import not enqueued",
            extra={"event": "import_not_enqueued", "error": type(error).__name__},
        )
        ack(response_action="errors", errors={imports.FILE_BLOCK: _(NOT_STARTED)})
        return
    ack()
    log.info(
        "import enqueued",
        extra={"event": "import_enqueued", "school_id": access.school_id, "file_id": files[0]},
    )


def register(app: App) -> None:
    app.view(imports.IMPORT_CALLBACK)(handle_import_submission)
