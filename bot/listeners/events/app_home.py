"""The App Home tab: a short welcome until the schools dashboard replaces it.

Why now: the manifest subscribes to ``app_home_opened``; answering it with a view
keeps Slack from showing an empty tab and gives the retry middleware a real effect
(a ``views.publish``) to guard.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners.commands.dispatcher import COMMAND

log = logging.getLogger(__name__)


def home_view() -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Rollcall"}},
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": "Submit Child Care Assistance attendance to KinderTrack from "
                    f"Slack. Type `{COMMAND} help` in your school's channel to start.",
                },
            },
        ],
    }


def handle_app_home_opened(ack: Ack, event: dict[str, Any], client: WebClient) -> None:
    ack()
    if event.get("tab") != "home":
        return
    try:
        client.views_publish(user_id=event["user"], view=home_view())
    except SlackApiError as error:
        log.warning("views.publish failed for %s: %s", event.get("user"), error.response["error"])
