"""The App Home tab: a card per school (see ``bot.blocks.home``).

Thin: :func:`core.services.overview.school_overview` reads what the cards show (a report
build per school, database only, no KinderTrack call: old cached pay periods are refreshed
by a worker; a few milliseconds for a class of
300) and ``bot.blocks.home`` renders it. It runs after the event is acked, so Slack never
waits on it; at most ``MAX_SCHOOLS`` schools are built. Publishing from a worker would
need a new notice kind for no gain in what the director sees.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import MAX_SCHOOLS, home_dict
from bot.runtime import runtime
from core.services.overview import school_overview
from workers import dispatch

log = logging.getLogger(__name__)


def publish_home(client: WebClient, *, team_id: str, user_id: str, note: str | None = None) -> None:
    overview = school_overview(runtime(), team_id=team_id, user_id=user_id, limit=MAX_SCHOOLS)
    for school_id, today in overview.periods_due.items():
        dispatch.enqueue_period_refresh(school_id, today)
    view: dict[str, Any] = home_dict(overview.schools, note=note, total=overview.total)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        log.warning(
            "views.publish failed",
            extra={
                "event": "home_failed",
                "user_id": user_id,
                "error": error.response.get("error"),
            },
        )


def handle_app_home_opened(
    ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    if event.get("tab") != "home":
        return
    publish_home(client, team_id=context.team_id or "", user_id=event["user"])
