"""``/kindertrack import``: a director imports attendance from a CSV file, in Slack.

Opens the import modal (a file_input for one .csv); the submission hands the file to a
worker (``bot.listeners.views.imports``). Directors only, in a channel that works on a
school; the modal remembers the school and the channel, and its submission checks both
again.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import ModalMeta
from bot.listeners.commands.channel import asked_in_channel
from bot.listeners.commands.dispatcher import add_subcommand
from bot.listeners.views.imports import open_import_modal


def handle_import(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context, directors_only=True)
    meta = ModalMeta(access.school_id, actor.channel_id)
    open_import_modal(client, trigger_id=command["trigger_id"], access=access, meta=meta)


add_subcommand("import", handle_import)
