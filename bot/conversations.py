"""Whether a Slack conversation is private: where children's names may be posted.

Why: the Subsidy Report names each child with their subsidy status. Posted in a public
channel, every member of the workspace could read it. ``conversations.info`` says what a
channel is; any doubt (an error, a missing scope, an unknown answer) counts as public, so
the report then goes to the director privately.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


def is_private_conversation(client: WebClient, channel_id: str | None) -> bool:
    """True for a direct message, a group DM or a private channel; False otherwise."""
    if not channel_id:
        return False
    try:
        info = client.conversations_info(channel=channel_id)["channel"]
    except (SlackApiError, KeyError, TypeError) as error:
        log.info(
            "conversations.info failed; treated as public",
            extra={"event": "conversation_unknown", "error": type(error).__name__},
        )
        return False
    if not isinstance(info, dict):
        return False
    return bool(info.get("is_im") or info.get("is_mpim") or info.get("is_private"))
