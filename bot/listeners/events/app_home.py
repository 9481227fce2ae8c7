"""The App Home tab: a card per school (see ``bot.blocks.home``).

Why build it here rather than in a worker: a card needs one report build per school
(the current and the last closed period in one pass, database only, no KinderTrack
call; a few milliseconds for a class of 300) and two indexed reads, and it runs after the
event is acked, so Slack never waits on it. At most ``MAX_SCHOOLS`` cards are built.
Publishing from a worker would need a new notice kind for no gain in what the director
sees.

Which schools: those the user directs; a user who directs none (staff) sees every school
of the workspace, read-only.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import MAX_SCHOOLS, SchoolCard, home_dict
from bot.runtime import runtime
from core.domain.instants import zone
from core.services.reminders import days_left
from core.services.reports import school_report
from core.services.schools import provider_status, registration_of, schools_of_team
from core.services.submissions import submission_status
from core.services.workspace import is_director

log = logging.getLogger(__name__)


def school_cards(*, team_id: str, user_id: str) -> tuple[list[SchoolCard], int]:
    """Cards for the first ``MAX_SCHOOLS`` schools shown to the user, and how many there are."""
    rt = runtime()
    with rt.session() as session:
        schools = schools_of_team(session, team_id=team_id)
        rows = []
        for school in schools:
            registration = registration_of(session, school.id or 0)
            rows.append(
                (
                    school,
                    is_director(session, school_id=school.id or 0, user_id=user_id),
                    provider_status(registration),
                    registration.provider_id if registration else None,
                )
            )
    visible = [row for row in rows if row[1]] or rows
    cards: list[SchoolCard] = []
    for school, director, status, provider_id in visible[:MAX_SCHOOLS]:
        school_id = school.id or 0
        today = rt.now().astimezone(zone(school.timezone)).date()
        current = rt.calendar.containing(today)
        last = rt.calendar.containing(current.start - timedelta(days=1))
        report = school_report(rt, school_id=school_id, start=last.start, end=current.end)
        cards.append(
            SchoolCard(
                school_id=school_id,
                name=school.name,
                director=director,
                provider_status=status,
                provider_id=provider_id,
                current=current,
                days_left=days_left(current, today),
                errors=len(report.errors),
                unlinked=sum(1 for r in report.rows if r.child_id is None),
                last_closed=last,
                last_submission=submission_status(
                    rt, school_id=school_id, start=last.start, end=last.end
                ),
            )
        )
    return cards, len(visible)


def publish_home(client: WebClient, *, team_id: str, user_id: str, note: str | None = None) -> None:
    cards, total = school_cards(team_id=team_id, user_id=user_id)
    view: dict[str, Any] = home_dict(cards, note=note, total=total)
    try:
        client.views_publish(user_id=user_id, view=view)
    except SlackApiError as error:
        log.warning("views.publish failed for %s: %s", user_id, error.response.get("error"))


def handle_app_home_opened(
    ack: Ack, event: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    ack()
    if event.get("tab") != "home":
        return
    publish_home(client, team_id=context.team_id or "", user_id=event["user"])
