"""The roll-call board's buttons: In, Out, page, refresh, and its search.

A click on the channel's shared board records the time now and redraws it in place,
where the new time shows, with ``chat.update`` (a board is used all day: a response_url
lasts 30 minutes and 5 uses), falling back to the action's response_url. Paging and a
search pick answer the clicker alone (an ephemeral message through the response_url),
and a click in such a private message redraws only it: one person's paging never moves
the shared message. A double click is harmless: the
second "In" finds the child already checked in (the student row is locked while
checking), is refused with a private note, and the board is redrawn from the database.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import board
from bot.blocks.board import BoardRef, board_message
from bot.escape import escape_mrkdwn
from bot.permissions import Actor, SchoolAccess, actor_from_payload, school_by_id
from bot.refusals import refusal_text
from bot.runtime import runtime
from core.domain.instants import zone
from core.errors import NotFound, RollcallError
from core.i18n import _
from core.services.absences import record_absence
from core.services.board import RollCallEntry, roll_call
from core.services.check_ins import check_in, check_out
from core.services.periods import school_today

log = logging.getLogger(__name__)

IN_PATTERN = re.compile(rf"^{board.IN_ACTION}_\d+$")
OUT_PATTERN = re.compile(rf"^{board.OUT_ACTION}_\d+$")
PAGE_PATTERN = re.compile(rf"^{board.PAGE_ACTION}_(prev|next)$")
ABSENT_PATTERN = re.compile(rf"^{board.ABSENT_ACTION}_\d+$")


def _private(respond: Respond, refusal: RollcallError) -> None:
    """A refusal, to the clicker only; escaped, as it may carry a stored name."""
    respond(
        text=escape_mrkdwn(refusal_text(refusal)), response_type="ephemeral", replace_original=False
    )


def redraw(
    client: WebClient,
    respond: Respond,
    body: dict[str, Any],
    access: SchoolAccess,
    actor: Actor,
    ref: BoardRef,
    *,
    private: bool = False,
    recorded: bool = False,
) -> None:
    """Redraw where the click was: the clicker's private message in place (and, when a
    time was ``recorded``, the counts of the shared board it came from); a new private page
    or card when ``private``; else the shared board."""
    rt = runtime()
    entries = roll_call(rt, school_id=access.school_id, team_id=actor.team_id)
    container = body.get("container") or {}
    ephemeral = bool(container.get("is_ephemeral"))
    channel, ts = container.get("channel_id"), container.get("message_ts")
    shared = ref.shared or ("" if ephemeral or not private else str(ts or ""))
    message = _message(access, entries, ref, shared)
    if ephemeral:
        respond(replace_original=True, response_type="ephemeral", **message)
        if recorded and channel and ref.shared:
            _update_shared(
                client,
                channel,
                ref.shared,
                _message(access, entries, BoardRef(access.school_id, absences=ref.absences), ""),
            )
        return
    if private:
        respond(replace_original=False, response_type="ephemeral", **message)
        return
    if channel and ts and _update_shared(client, channel, ts, message):
        return
    respond(replace_original=True, **message)


def _message(
    access: SchoolAccess, entries: list[RollCallEntry], ref: BoardRef, shared: str
) -> dict[str, Any]:
    """A child's card (``ref.card``) or a page of the board."""
    rt = runtime()
    tz = zone(access.timezone)
    card = next((e for e in entries if e.student_id == ref.student_id), None) if ref.card else None
    if card is not None:
        return board.card_message(access.school_id, card, tz=tz, now=rt.now(), shared=shared)
    return board_message(
        access.school_name,
        access.school_id,
        entries,
        tz=tz,
        now=rt.now(),
        page=ref.page,
        absences=ref.absences,
        shared=shared,
    )


def _update_shared(client: WebClient, channel: str, ts: str, message: dict[str, Any]) -> bool:
    """chat.update of the channel's board; False when Slack refuses (e.g. deleted)."""
    try:
        client.chat_update(channel=channel, ts=ts, **message)
    except SlackApiError as error:
        log.info(
            "chat.update of the board failed",
            extra={
                "event": "board_update_failed",
                "message_ts": ts,
                "error": error.response.get("error"),
            },
        )
        return False
    return True


def _click(
    ack: Ack,
    body: dict[str, Any],
    client: WebClient,
    respond: Respond,
    context: BoltContext,
    *,
    direction: str | None,
    private: bool = False,
) -> None:
    ack()
    actor = actor_from_payload(body, context)
    action = body["actions"][0]
    try:
        ref = BoardRef.decode(
            (action.get("selected_option") or {}).get("value") or action.get("value", "")
        )
        access = school_by_id(actor, ref.school_id)
    except RollcallError as refusal:
        _private(respond, refusal)
        return
    if direction is not None:
        _record(respond, actor, access, ref, direction)
    redraw(
        client, respond, body, access, actor, ref, private=private, recorded=direction is not None
    )


def _record(
    respond: Respond, actor: Actor, access: SchoolAccess, ref: BoardRef, direction: str
) -> None:
    rt = runtime()
    entry = next(
        (
            e
            for e in roll_call(rt, school_id=access.school_id, team_id=actor.team_id)
            if e.student_id == ref.student_id
        ),
        None,
    )
    try:
        if entry is None:
            raise NotFound(_("That child is no longer on this school's list."))
        if direction == "absent":
            record_absence(
                rt,
                school_id=access.school_id,
                student_name=entry.student_name,
                day=school_today(rt, access.timezone),
                actor=actor.user_id,
                team_id=actor.team_id,
            )
            log.info(
                "board: student absent",
                extra={
                    "event": "board_absent",
                    "student_id": ref.student_id,
                    "school_id": access.school_id,
                    "user_id": actor.user_id,
                },
            )
            return
        if direction == "in":
            record = check_in(
                rt,
                school_id=access.school_id,
                student_name=entry.student_name,
                actor=actor.user_id,
                source="slack",
                team_id=actor.team_id,
            )
        else:
            record = check_out(
                rt,
                school_id=access.school_id,
                student_name=entry.student_name,
                actor=actor.user_id,
                team_id=actor.team_id,
            )
    except RollcallError as refusal:
        log.info(
            "board click refused",
            extra={
                "event": "board_refused",
                "direction": direction,
                "student_id": ref.student_id,
                "school_id": access.school_id,
                "error": type(refusal).__name__,
            },
        )
        _private(respond, refusal)
        return
    log.info(
        "board: checked",
        extra={
            "event": "board_check",
            "record_id": record.id,
            "direction": direction,
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )


def handle_in(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _click(ack, body, client, respond, context, direction="in")


def handle_out(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _click(ack, body, client, respond, context, direction="out")


def handle_absent(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _click(ack, body, client, respond, context, direction="absent")


def handle_page(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """Another page, for the clicker only."""
    _click(ack, body, client, respond, context, direction=None, private=True)


def handle_refresh(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    _click(ack, body, client, respond, context, direction=None)


def handle_search_pick(
    ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    """The child picked in the search: their In/Out, for the clicker only."""
    _click(ack, body, client, respond, context, direction=None, private=True)


def handle_search_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The search's options: this school's children whose name holds what was typed."""
    actor = actor_from_payload(body, context)
    try:
        access = school_by_id(actor, board.school_of_search(str(body.get("block_id") or "")))
    except RollcallError as refusal:
        log.info(
            "board search refused",
            extra={
                "event": "board_search_refused",
                "user_id": actor.user_id,
                "error": type(refusal).__name__,
            },
        )
        ack(options=[])
        return
    entries = roll_call(runtime(), school_id=access.school_id, team_id=actor.team_id)
    ack(options=board.search_options(access.school_id, entries, str(body.get("value") or "")))


def register(app: App) -> None:
    app.action(IN_PATTERN)(handle_in)
    app.action(OUT_PATTERN)(handle_out)
    app.action(PAGE_PATTERN)(handle_page)
    app.action(board.REFRESH_ACTION)(handle_refresh)
    app.action(board.MODE_ACTION)(handle_refresh)
    app.action(board.SEARCH_ACTION)(handle_search_pick)
    app.options(board.SEARCH_ACTION)(handle_search_options)
    app.action(ABSENT_PATTERN)(handle_absent)
