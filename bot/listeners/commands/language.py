"""``/kindertrack language es|en|auto``: the language Rollcall writes to you in.

Stored per Slack user (``core.services.preferences``); ``auto`` follows Slack's own
language setting again. The answer is already in the chosen language.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.listeners.commands.dispatcher import add_subcommand
from bot.locale import slack_locale
from bot.permissions import actor_from_command
from bot.runtime import runtime
from core.i18n import N_, _, language_name, using_locale
from core.services.preferences import set_language

FOLLOW_SLACK = "auto"


def handle_language(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    choice = context["subcommand_args"].strip().lower()
    if not choice:
        ack(
            text=_(
                "Use `/kindertrack language es` for Spanish, `/kindertrack language en` for "
                "English, or `/kindertrack language auto` to follow your Slack language."
            ),
            response_type="ephemeral",
        )
        return
    actor = actor_from_command(command, context)
    chosen = set_language(
        runtime(),
        team_id=actor.team_id,
        user_id=actor.user_id,
        language=None if choice == FOLLOW_SLACK else choice,
    )
    with using_locale(chosen or slack_locale(client, actor.user_id)) as now:
        if chosen is None:
            text = _("Rollcall now writes to you in your Slack language.")
        else:
            text = _("Rollcall now writes to you in {language}.", language=language_name(now))
        ack(text=text, response_type="ephemeral")


add_subcommand(
    "language",
    handle_language,
    usage="language es|en|auto",
    summary=N_("the language Rollcall writes to you in (español / English)"),
)
