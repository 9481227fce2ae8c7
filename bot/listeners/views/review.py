"""The review modal's submission: fix the times of records with errors.

Every changed field is checked before anything is written: its time parses in the
school's zone (a DST-ambiguous or skipped wall time is refused, asking for an offset),
the check-out comes after the check-in, and the period is not submitted. Any problem
is answered with ``response_action="errors"`` on that field and nothing is saved. Valid
changes go through ``core.services.attendance.edit_record`` (which writes the audit
entries; an empty check-out clears it), then a worker redraws the report message.
Directors only; the school must belong to the requesting workspace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext

from bot.blocks.review import (
    CALLBACK_ID,
    TIME_ACTION,
    ReviewMeta,
    block_id,
    local_value,
    parse_block_id,
)
from bot.permissions import Actor, school_by_id
from bot.runtime import runtime
from core.domain.instants import local_date, parse_instant, zone
from core.errors import InvalidInput, RollcallError
from core.services import attendance
from workers import dispatch

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edit:
    record_id: int
    check_in: str | None
    """The new check-in text, None when unchanged."""
    check_out: str | None
    """The new check-out text ("" clears it), None when unchanged."""


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


def check_edits(
    fields: dict[int, dict[str, str]],
    *,
    school_id: int,
    team_id: str,
    tz: ZoneInfo,
) -> tuple[list[Edit], dict[str, str]]:
    """The edits to make, and the errors by block ID (edits are made only when empty)."""
    rt = runtime()
    edits: list[Edit] = []
    errors: dict[str, str] = {}
    for record_id, values in sorted(fields.items()):
        in_block, out_block = block_id(record_id, "in"), block_id(record_id, "out")
        try:
            record = attendance.get_record(
                rt, school_id=school_id, record_id=record_id, team_id=team_id
            )
        except RollcallError as error:
            errors[in_block] = str(error)
            continue
        old_in, old_out = local_value(record.check_in, tz), local_value(record.check_out, tz)
        new_in_text = values.get("in", old_in)
        new_out_text = values.get("out", old_out)
        in_changed, out_changed = new_in_text != old_in, new_out_text != old_out
        if not in_changed and not out_changed:
            continue
        new_in, new_out = record.check_in, record.check_out
        try:
            if in_changed:
                if not new_in_text:
                    raise InvalidInput("A stay needs a check-in time.")
                new_in = parse_instant(new_in_text, tz, what="check-in time")
        except InvalidInput as error:
            errors[in_block] = str(error)
        try:
            if out_changed:
                new_out = (
                    parse_instant(new_out_text, tz, what="check-out time") if new_out_text else None
                )
        except InvalidInput as error:
            errors[out_block] = str(error)
        if in_block in errors or out_block in errors:
            continue
        if new_out is not None and new_out <= new_in:
            errors[out_block if out_changed else in_block] = (
                "The check-out must be after the check-in."
            )
            continue
        refusal = attendance.write_refusal(
            rt,
            school_id=school_id,
            days={local_date(record.check_in, tz), local_date(new_in, tz)},
            team_id=team_id,
        )
        if refusal is not None:
            errors[in_block if in_changed else out_block] = refusal
            continue
        edits.append(
            Edit(
                record_id,
                new_in_text if in_changed else None,
                new_out_text if out_changed else None,
            )
        )
    return edits, errors


def handle_review_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    user = body.get("user") or {}
    actor = Actor(
        team_id=str(context.team_id or (body.get("team") or {}).get("id") or ""),
        user_id=str(user.get("id") or context.user_id or ""),
    )
    fields = submitted_fields(view)
    first_block = block_id(min(fields), "in") if fields else None
    try:
        meta = ReviewMeta.decode(str(view.get("private_metadata") or ""))
        access = school_by_id(actor, meta.school_id, director=True)
    except RollcallError as error:
        if first_block is None:
            ack()
        else:
            ack(response_action="errors", errors={first_block: str(error)})
        return
    tz = zone(access.timezone)
    edits, errors = check_edits(fields, school_id=meta.school_id, team_id=actor.team_id, tz=tz)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    rt = runtime()
    for edit in edits:
        try:
            attendance.edit_record(
                rt,
                school_id=meta.school_id,
                record_id=edit.record_id,
                check_in=edit.check_in,
                check_out=edit.check_out,
                actor=actor.user_id,
                team_id=actor.team_id,
            )
        except RollcallError as error:
            # Only a race (the period was submitted a moment ago) gets here: every field
            # was checked above.
            field = "in" if edit.check_in is not None else "out"
            ack(response_action="errors", errors={block_id(edit.record_id, field): str(error)})
            return
    ack()
    log.info(
        "records fixed from the review modal",
        extra={"event": "review_saved", "school_id": meta.school_id, "edits": len(edits)},
    )
    if edits and meta.channel_id and meta.ts:
        dispatch.enqueue_report(
            meta.school_id,
            meta.start,
            meta.end,
            destination={
                "team_id": actor.team_id,
                "channel_id": meta.channel_id,
                "ts": meta.ts,
                "user_id": actor.user_id,
                "response_url": None,
            },
        )


def register(app: App) -> None:
    """Register this module's listeners on the app."""
    app.view(CALLBACK_ID)(handle_review_submission)
