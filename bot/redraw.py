"""Redraw the posted reports a change makes stale (a link, a sync, an import): no report
keeps saying a child has no ID or showing yesterday's hours, nor offers an Approve that
would then be refused."""

from __future__ import annotations

import logging

from bot.destination import destination
from bot.permissions import Actor
from bot.runtime import runtime
from core.i18n import using_locale
from core.services import workspace
from core.services.runtime import Runtime
from workers import dispatch

log = logging.getLogger(__name__)


def redraw_open_reports(actor: Actor, school_id: int) -> int:
    """A worker rebuilds, in place, every remembered report of the school's periods still
    open; returns how many were asked for."""
    return redraw_school_reports(
        runtime(), school_id=school_id, team_id=actor.team_id, user_id=actor.user_id
    )


def redraw_school_reports(rt: Runtime, *, school_id: int, team_id: str, user_id: str | None) -> int:
    """:func:`redraw_open_reports` for a caller without a Slack request (the worker that
    imported a file): each message is redrawn in the language it was posted in."""
    messages = workspace.open_report_messages(rt, school_id=school_id)
    for message in messages:
        with using_locale(message.locale):
            where = destination(
                team_id=team_id, channel_id=message.channel_id, ts=message.ts, user_id=user_id
            )
        dispatch.enqueue_report(school_id, message.start, message.end, destination=where)
    if messages:
        log.info(
            "open reports redrawn",
            extra={"event": "reports_redrawn", "school_id": school_id, "count": len(messages)},
        )
    return len(messages)
