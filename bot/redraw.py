"""Redraw the posted reports a change makes stale (a link, a sync): no report keeps
saying a child has no ID, nor offers an Approve that would then be refused."""

from __future__ import annotations

import logging

from bot.destination import to_message
from bot.permissions import Actor
from bot.runtime import runtime
from core.services import workspace
from workers import dispatch

log = logging.getLogger(__name__)


def redraw_open_reports(actor: Actor, school_id: int) -> int:
    """A worker rebuilds, in place, every remembered report of the school's periods still
    open; returns how many were asked for."""
    messages = workspace.open_report_messages(runtime(), school_id=school_id)
    for message in messages:
        dispatch.enqueue_report(
            school_id,
            message.start,
            message.end,
            destination=to_message(actor, channel_id=message.channel_id, ts=message.ts),
        )
    if messages:
        log.info(
            "open reports redrawn",
            extra={"event": "reports_redrawn", "school_id": school_id, "count": len(messages)},
        )
    return len(messages)
