"""``/kindertrack in STUDENT``, ``out STUDENT`` and ``rollcall``: staff log attendance.

Anyone in the school's channel may check children in and out (directors approve what
is sent). Times are recorded now, by the server's clock, and shown in the school's zone.
The board ``rollcall`` posts is remembered as the channel's (``core/services/board.py``),
so a check-in typed here, an absence or an import redraws it (``bot/redraw.py``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any, Literal

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.board import board_message, suggestion_message
from bot.blocks.setup import checked_text
from bot.escape import escape_mrkdwn
from bot.listeners.commands.channel import asked_in_channel
from bot.listeners.commands.dispatcher import add_subcommand
from bot.permissions import Actor, SchoolAccess
from bot.redraw import redraw_boards
from bot.runtime import runtime
from core.domain.instants import zone
from core.domain.names import name_key, near_names
from core.errors import InvalidInput
from core.i18n import _, current
from core.services.board import remember_board, roll_call
from core.services.check_ins import check_in, check_out
from core.services.students import find_student

log = logging.getLogger(__name__)

Direction = Literal["in", "out"]

SUGGESTIONS = 5
"""Near matches offered by "Did you mean …?" (each with its own button)."""


def _student_arg(context: BoltContext, direction: str) -> str:
    name = context["subcommand_args"]
    if not name:
        raise InvalidInput(
            _(
                "Name the student, like `/kindertrack {direction} Ava Smith`, or use "
                "`/kindertrack rollcall` for buttons.",
                direction=direction,
            )
        )
    return str(name)


def handle_check(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
    direction: Direction,
) -> None:
    """``in STUDENT`` or ``out STUDENT`` (``direction``): record the time now, answer
    ephemerally with it in the school's zone."""
    actor, access = asked_in_channel(ack, command, context)
    typed = _student_arg(context, direction)
    if not _exact_or_suggested(respond, actor, access, typed):
        return
    if direction == "in":
        record = check_in(
            runtime(),
            school_id=access.school_id,
            student_name=typed,
            actor=actor.user_id,
            source="slack",
            team_id=actor.team_id,
        )
        instant = record.check_in
    else:
        record = check_out(
            runtime(),
            school_id=access.school_id,
            student_name=typed,
            actor=actor.user_id,
            team_id=actor.team_id,
        )
        instant = record.check_out or record.check_in
    log.info(
        "attendance checked",
        extra={
            "event": "checked",
            "record_id": record.id,
            "direction": direction,
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )
    done = _done(access, typed, instant, direction)
    # The boards first: once the asker reads the answer, the channel's board agrees.
    redraw_boards(runtime(), client, school_id=access.school_id)
    respond(text=done, response_type="ephemeral", replace_original=False)


def _exact_or_suggested(respond: Respond, actor: Actor, access: SchoolAccess, typed: str) -> bool:
    """Whether a child is named exactly ``typed`` (case, accents and spaces aside); if not,
    answer "Did you mean …?" with each near match's button, or that no one is close."""
    rt = runtime()
    entries = roll_call(rt, school_id=access.school_id, team_id=actor.team_id)
    if any(name_key(e.student_name) == name_key(typed) for e in entries):
        return True
    near = near_names(typed, [e.student_name for e in entries], limit=SUGGESTIONS)
    log.info(
        "no exact name for a check-in",
        extra={"event": "check_in_near_names", "school_id": access.school_id, "near": len(near)},
    )
    if near:
        by_name = {e.student_name: e for e in entries}
        message = suggestion_message(
            access.school_id,
            typed,
            [by_name[n] for n in near],
            tz=zone(access.timezone),
            now=rt.now(),
        )
        respond(response_type="ephemeral", replace_original=False, **message)
    else:
        respond(
            text=_(
                "No child here is named “{typed}”, nor anything close. Check the spelling, "
                "or find them on the board: `/kindertrack rollcall`.",
                typed=escape_mrkdwn(typed),
            ),
            response_type="ephemeral",
            replace_original=False,
        )
    return False


handle_in = partial(handle_check, direction="in")
handle_out = partial(handle_check, direction="out")


def _done(access: SchoolAccess, typed: str, instant: datetime, direction: str) -> str:
    """The confirmation, with the student's name as stored (not as typed)."""
    with runtime().session() as session:
        name = find_student(session, school_id=access.school_id, name=typed).name
    return checked_text(name, instant, zone(access.timezone), direction=direction)


def handle_rollcall(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    rt = runtime()
    entries = roll_call(rt, school_id=access.school_id, team_id=actor.team_id)
    message = board_message(
        access.school_name,
        access.school_id,
        entries,
        tz=zone(access.timezone),
        now=rt.now(),
    )
    try:
        posted = client.chat_postMessage(channel=actor.channel_id or "", **message)
    except SlackApiError as error:
        log.warning(
            "posting the board failed",
            extra={
                "event": "board_failed",
                "channel_id": actor.channel_id,
                "error": error.response.get("error"),
            },
        )
        respond(
            text=_(
                "I could not post the roll-call board in this channel. Invite me first "
                "(`/invite @Rollcall`) and try again."
            ),
            response_type="ephemeral",
            replace_original=False,
        )
        return
    # Remembered, so a change made another way (an import) redraws it in its language.
    remember_board(
        rt,
        school_id=access.school_id,
        channel_id=str(posted["channel"]),
        ts=str(posted["ts"]),
        locale=current(),
    )
    log.info(
        "board posted",
        extra={
            "event": "board_posted",
            "school_id": access.school_id,
            "channel_id": actor.channel_id,
        },
    )


add_subcommand("in", handle_in)
add_subcommand("out", handle_out)
add_subcommand("rollcall", handle_rollcall)
