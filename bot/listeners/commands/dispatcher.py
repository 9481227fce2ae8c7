"""The ``/kindertrack`` dispatcher: one table from subcommand to handler.

Why a table: Slack gives an app one request URL per slash command, so every
subcommand arrives at the same listener. The table keeps that listener a few lines
long and lets each domain module own its subcommands without touching this file.

Adding a subcommand (from any module imported by ``bot.listeners.commands.register``)::

    from bot.listeners.commands.dispatcher import add_subcommand

    def handle_status(ack, respond, client, command, context) -> None:
        ack()                                     # first, within 3 seconds
        args = context["subcommand_args"]         # the text after the subcommand
        respond(text=..., response_type="ephemeral")

    add_subcommand("status", handle_status)      # usage/summary default to the catalogue

Contract for handlers: called with keyword arguments ``ack, respond, client, command,
context``; must call ``ack()`` exactly once, first (an ``ack(text=...)`` answers in the
same HTTP response, ephemeral by default); long work goes after the ack and answers
through ``respond`` (the command's ``response_url``) or ``client``. ``context`` also
carries ``subcommand`` (lower-cased) and ``subcommand_args`` (the stripped rest of the
text, for the handler to parse: student names contain spaces). Handlers raise only
what they mean to; the domain's :class:`core.errors.RollcallError` is answered for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.escape import escape_mrkdwn
from bot.refusals import refusal_text
from core.errors import RollcallError
from core.i18n import N_, _

log = logging.getLogger(__name__)

COMMAND = "/kindertrack"


class Handler(Protocol):
    def __call__(
        self,
        *,
        ack: Ack,
        respond: Respond,
        client: WebClient,
        command: dict[str, Any],
        context: BoltContext,
    ) -> None: ...


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str
    summary: str
    handler: Handler | None = None


def _entry(name: str, usage: str, summary: str) -> tuple[str, Subcommand]:
    """A help line; ``summary`` is marked with ``N_`` and shown in the reader's language."""
    return name, Subcommand(name, usage, summary)


# The catalogue shown by `/kindertrack help`, in this order. Entries without a handler
# answer "not available yet" until their module calls add_subcommand().
SUBCOMMANDS: dict[str, Subcommand] = dict(
    [
        _entry(
            "register",
            "register [PROVIDER_ID LINK_CODE]",
            N_("register this school's KinderTrack provider ID with its link code"),
        ),
        _entry(
            "link",
            "link [STUDENT CHILD_ID]",
            N_("link a student to their 6-digit KinderTrack child ID"),
        ),
        _entry("sync", "sync", N_("link students whose names match KinderTrack's roster")),
        _entry("in", "in STUDENT", N_("check a student in now")),
        _entry("out", "out STUDENT", N_("check a student out now")),
        _entry(
            "import",
            "import",
            N_("import attendance from a CSV file (student,check_in,check_out; all or nothing)"),
        ),
        _entry(
            "report",
            "report [FROM TO]",
            N_("preview the subsidy report for a pay period (default: the last closed pay period)"),
        ),
        _entry("status", "status", N_("where this pay period's submission stands")),
        _entry("rollcall", "rollcall", N_("who is checked in right now")),
        _entry(
            "directors",
            "directors add|remove @user",
            N_("choose who may approve and submit attendance"),
        ),
        _entry(
            "closing",
            "closing [HH:MM]",
            N_("when the center closes: its directors hear of the day's problems then"),
        ),
        _entry("school", "school [NAME]", N_("which school this channel works on")),
        _entry("help", "help", N_("this list")),
    ]
)


def add_subcommand(
    name: str,
    handler: Handler,
    *,
    usage: str | None = None,
    summary: str | None = None,
) -> None:
    """Route ``/kindertrack NAME ...`` to ``handler``; a new name joins the help list."""
    key = name.lower()
    known = SUBCOMMANDS.get(key)
    if known is not None:
        usage = known.usage if usage is None else usage
        summary = known.summary if summary is None else summary
    if usage is None or summary is None:
        raise ValueError(f"new subcommand {name!r} needs a usage and a summary for help")
    SUBCOMMANDS[key] = Subcommand(key, usage, summary, handler)


def help_text() -> str:
    lines = [
        _(
            "*Rollcall* submits Child Care Assistance attendance to KinderTrack. "
            "Use `{command} SUBCOMMAND`:",
            command=COMMAND,
        )
    ]
    lines += [f"• `{COMMAND} {s.usage}`: {_(s.summary)}" for s in SUBCOMMANDS.values()]
    return "\n".join(lines)


def split(text: str) -> tuple[str, str]:
    """``"In  Ava Smith "`` -> ``("in", "Ava Smith")``; empty text means help."""
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "help", ""
    return parts[0].lower(), parts[1].strip() if len(parts) > 1 else ""


def handle_kindertrack(
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    """The one ``/kindertrack`` listener: look the subcommand up and hand over."""
    name, args = split(command.get("text", ""))
    entry = SUBCOMMANDS.get(name)
    if entry is None:
        ack(
            text=_(
                "Sorry, I don't know `{command}`.",
                command=f"{COMMAND} {_inline(name)}",
            )
            + "\n\n"
            + help_text(),
            response_type="ephemeral",
        )
        return
    if entry.handler is None:
        ack(
            text=_("`{command}` is not available yet.", command=f"{COMMAND} {entry.name}"),
            response_type="ephemeral",
        )
        return
    context["subcommand"] = name
    context["subcommand_args"] = args
    try:
        entry.handler(ack=ack, respond=respond, client=client, command=command, context=context)
    except RollcallError as refusal:
        _answer_refusal(ack, respond, refusal)


def _answer_refusal(ack: Ack, respond: Respond, refusal: RollcallError) -> None:
    """A domain refusal is an answer for the director, not a crash. Its text may carry
    stored names (a student's, a school's), so it is escaped for mrkdwn."""
    text = escape_mrkdwn(refusal_text(refusal))
    if ack.response is None:
        ack(text=text, response_type="ephemeral")
    else:
        respond(text=text, response_type="ephemeral", replace_original=False)


def _inline(text: str) -> str:
    """Echo what the user typed inside inline code, without letting it break out."""
    return escape_mrkdwn(text[:40].replace("`", "'"))


def help_handler(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    ack(text=help_text(), response_type="ephemeral")


add_subcommand("help", help_handler)
