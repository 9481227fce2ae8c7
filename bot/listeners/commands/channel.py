"""How a ``/kindertrack`` subcommand typed in a school's channel starts and answers.

Slack wants an answer within 3 seconds, so the command is acknowledged first; then who
is asking and the school the channel works on are read, and a channel without a school
(or, for directors' commands, someone who is not one) is refused by raising: the app's
error handler answers with the refusal in the asker's language.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond

from bot.permissions import Actor, SchoolAccess, actor_from_command, require, school_in_channel


def asked_in_channel(
    ack: Ack, command: dict[str, Any], context: BoltContext, *, directors_only: bool = False
) -> tuple[Actor, SchoolAccess]:
    """Acknowledge the command; who asks, and the channel's school they may act on."""
    ack()
    actor = actor_from_command(command, context)
    access = school_in_channel(actor)
    if directors_only:
        require(access)
    return actor, access


def answer_privately(respond: Respond, text: str, **extra: Any) -> None:
    """An answer only the asker sees, below the command (never replacing a message)."""
    respond(text=text, response_type="ephemeral", replace_original=False, **extra)
