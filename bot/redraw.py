"""Redraw the posted messages a change makes stale (a link, a sync, an import): no report
keeps saying a child has no ID or showing yesterday's hours, nor offers an Approve that
would then be refused; no roll-call board keeps showing who was in before an import."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.blocks.board import board_message
from bot.destination import destination
from bot.permissions import Actor
from bot.runtime import runtime
from core.domain.instants import zone
from core.i18n import using_locale
from core.services import workspace
from core.services.board import forget_board, posted_boards, roll_call
from core.services.runtime import Runtime
from core.services.schools import get_school
from workers import dispatch

log = logging.getLogger(__name__)

GONE = frozenset({"message_not_found", "channel_not_found"})
"""Slack's answers for a board it no longer has (deleted, or its channel): it is forgotten."""


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


def redraw_boards(rt: Runtime, client: WebClient, *, school_id: int) -> int:
    """Redraw in place (``chat.update``, with ``client``: the school's own workspace) each
    remembered roll-call board of the school, in the language it was posted in, showing
    today's stays as the database holds them now; returns how many Slack took.

    A board Slack no longer has (deleted, or its channel) is forgotten; one refused for
    another reason (a rate limit, a hiccup) is kept, for the next change or its Refresh."""
    boards = posted_boards(rt, school_id=school_id)
    if not boards:
        return 0
    with rt.session() as session:
        school = get_school(session, school_id=school_id)
        name, tz = school.name, zone(school.timezone)
    entries = roll_call(rt, school_id=school_id)
    now = rt.now()
    redrawn = 0
    for board in boards:
        with using_locale(board.locale):
            message = board_message(name, school_id, entries, tz=tz, now=now)
        try:
            client.chat_update(channel=board.channel_id, ts=board.ts, **message)
        except (SlackClientError, OSError) as error:
            response = getattr(error, "response", None)
            code = response.get("error") if response is not None else type(error).__name__
            gone = code in GONE
            if gone:
                forget_board(rt, school_id=school_id, channel_id=board.channel_id, ts=board.ts)
            log.info(
                "a board could not be redrawn",
                extra={
                    "event": "board_redraw_failed",
                    "school_id": school_id,
                    "channel_id": board.channel_id,
                    "message_ts": board.ts,
                    "error": code,
                    "state": "forgotten" if gone else "kept",
                },
            )
            continue
        redrawn += 1
    log.info(
        "boards redrawn",
        extra={"event": "boards_redrawn", "school_id": school_id, "count": redrawn},
    )
    return redrawn
