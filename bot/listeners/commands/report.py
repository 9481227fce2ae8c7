"""``/kindertrack report [FROM TO]`` and ``/kindertrack status``.

``report`` acks at once, posts a placeholder in the channel, remembers it for the pay
period and hands the report to a worker; the notifier replaces the placeholder with the
preview and posts the full table as CSV in its thread. ``status`` answers ephemerally with
where the last closed pay period's submission stands.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.notices import placeholder_message, status_message
from bot.conversations import is_private_conversation
from bot.destination import to_message, to_response_url
from bot.escape import escape_mrkdwn
from bot.listeners.commands.channel import answer_privately, asked_in_channel
from bot.periods import school_day
from bot.permissions import Actor, SchoolAccess, actor_from_command, school_in_channel
from bot.runtime import runtime
from core.domain.instants import parse_date, zone
from core.domain.pay_periods import PayPeriod
from core.errors import InvalidInput, NotAllowed
from core.i18n import N_, _
from core.services import submissions, workspace
from core.services.reports import check_range
from workers import dispatch

log = logging.getLogger(__name__)

BUILDING = N_("Building the KinderTrack Subsidy Report…")
DIRECTORS_ONLY = N_(
    "The Subsidy Report shows each child's subsidy status, so only the school's directors "
    "see it. `/kindertrack rollcall` shows who is here."
)


def last_closed(access: SchoolAccess, *, refresh: bool = True) -> PayPeriod:
    """The school's most recent pay period that ended before today in its zone, by the
    cached periods (see ``bot.periods``)."""
    day = school_day(access, refresh=refresh)
    return day.periods.last_closed(day.today)


def parse_range(args: str, access: SchoolAccess) -> tuple[date, date]:
    """``""`` → the last closed pay period; ``"FROM TO"`` → those dates (YYYY-MM-DD)."""
    parts = args.split()
    if not parts:
        # The report's worker asks KinderTrack for the periods before it judges the range.
        period = last_closed(access, refresh=False)
        return period.start, period.end
    if len(parts) != 2:
        raise InvalidInput(
            _(
                "Give no dates (the last closed pay period) or two: "
                "`/kindertrack report 2026-11-08 2026-11-21`."
            )
        )
    start = parse_date(parts[0], what=N_("start date"))
    end = parse_date(parts[1], what=N_("end date"))
    check_range(start, end)
    return start, end


def handle_report(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor = actor_from_command(command, context)
    access = school_in_channel(actor)
    if not access.director:
        raise NotAllowed(_(DIRECTORS_ONLY))
    ack(text=_(BUILDING), response_type="ephemeral")
    start, end = parse_range(context["subcommand_args"], access)
    channel_id = actor.channel_id or ""
    if not is_private_conversation(client, channel_id):
        channel_id = _to_director_privately(client, actor, access, channel_id)
    try:
        placeholder = client.chat_postMessage(
            channel=channel_id,
            **placeholder_message(access.school_name, start, end, building=_(BUILDING)),
        )
    except SlackApiError as error:
        # Not in the channel (or a DM the bot cannot post in): answer through the
        # command's response_url instead; such a message cannot follow the submission.
        log.info(
            "placeholder refused; answering via response_url",
            extra={
                "event": "report_placeholder",
                "school_id": access.school_id,
                "error": error.response.get("error"),
            },
        )
        where = to_response_url(actor, command.get("response_url"))
    else:
        channel, ts = str(placeholder["channel"]), str(placeholder["ts"])
        where = to_message(actor, channel_id=channel, ts=ts)
        workspace.remember_message(
            runtime(), school_id=access.school_id, start=start, end=end, channel_id=channel, ts=ts
        )
    dispatch.enqueue_report(access.school_id, start, end, destination=where)
    log.info(
        "report requested",
        extra={
            "event": "report_requested",
            "school_id": access.school_id,
            "period": f"{start}/{end}",
        },
    )


def _to_director_privately(
    client: WebClient, actor: Actor, access: SchoolAccess, channel_id: str
) -> str:
    """The director's DM channel for a report asked for in a public channel (or one whose
    privacy Slack would not say); the channel gets a line that says where it went."""
    opened = client.conversations_open(users=actor.user_id)
    try:
        client.chat_postMessage(
            channel=channel_id,
            text=_(
                "The Subsidy Report for {school} went to {person} by direct message: it names "
                "children with their subsidy status, so it is not posted in a public channel.",
                school=escape_mrkdwn(access.school_name),
                person=f"<@{actor.user_id}>",
            ),
        )
    except SlackApiError as error:
        log.info(
            "report notice in the channel refused",
            extra={"event": "channel_notice_refused", "error": error.response.get("error")},
        )
    return str(opened["channel"]["id"])


def handle_status(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    period = last_closed(access)
    view = submissions.submission_status(
        runtime(),
        school_id=access.school_id,
        start=period.start,
        end=period.end,
        team_id=actor.team_id,
    )
    answer_privately(
        respond,
        status_message(view, school=access.school_name, period=period, tz=zone(access.timezone)),
    )


def register() -> None:
    """Add this module's subcommands to the dispatcher (done at import)."""
    from bot.listeners.commands.dispatcher import add_subcommand

    add_subcommand("report", handle_report)
    add_subcommand("status", handle_status)


register()
