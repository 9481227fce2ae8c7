"""The review modal's submission: fix the times of records with errors.

Thin on purpose: the view's fields become :class:`core.services.attendance.RecordEdit`\\ s
and :func:`core.services.attendance.edit_records` checks and saves them all in one
transaction, or refuses them all with a reason per field (:class:`core.errors.EditsRefused`),
answered with ``response_action="errors"`` on those fields. After a save a worker redraws
the report message. Directors only; the school must belong to the requesting workspace.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.blocks.review import CALLBACK_ID, TIME_ACTION, ReviewMeta, block_id, parse_block_id
from bot.destination import to_message
from bot.permissions import actor_from_payload, school_by_id
from bot.runtime import runtime
from core.errors import EditsRefused, RollcallError
from core.services import attendance
from core.services.attendance import RecordEdit
from workers import dispatch

log = logging.getLogger(__name__)


def submitted_fields(view: dict[str, Any]) -> dict[int, dict[str, str]]:
    """record ID → {"in": text, "out": text} from the view's state (None becomes "")."""
    fields: dict[int, dict[str, str]] = {}
    for bid, actions in (view.get("state") or {}).get("values", {}).items():
        parsed = parse_block_id(bid)
        if parsed is None or not isinstance(actions, dict):
            continue
        record_id, field = parsed
        value = (actions.get(TIME_ACTION) or {}).get("value") or ""
        fields.setdefault(record_id, {})[field] = str(value).strip()
    return fields


def handle_review_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    actor = actor_from_payload(body, context)
    fields = submitted_fields(view)
    edits = [
        RecordEdit(record_id, check_in=values.get("in"), check_out=values.get("out"))
        for record_id, values in sorted(fields.items())
    ]
    try:
        meta = ReviewMeta.decode(str(view.get("private_metadata") or ""))
        school_by_id(actor, meta.school_id, director=True)
        changed = attendance.edit_records(
            runtime(),
            school_id=meta.school_id,
            edits=edits,
            actor=actor.user_id,
            team_id=actor.team_id,
        )
    except EditsRefused as refused:
        ack(
            response_action="errors",
            errors={block_id(rid, field): text for (rid, field), text in refused.errors.items()},
        )
        return
    except RollcallError as error:
        if fields:
            ack(response_action="errors", errors={block_id(min(fields), "in"): str(error)})
        else:
            ack()
        return
    ack()
    log.info(
        "records fixed from the review modal",
        extra={"event": "review_saved", "school_id": meta.school_id, "edits": len(changed)},
    )
    if changed and meta.channel_id and meta.ts:
        dispatch.enqueue_report(
            meta.school_id,
            meta.start,
            meta.end,
            destination=to_message(actor, channel_id=meta.channel_id, ts=meta.ts),
        )


def register(app: App) -> None:
    """Register this module's listeners on the app."""
    app.view(CALLBACK_ID)(handle_review_submission)
