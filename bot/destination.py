"""Where a worker's notice is delivered: the *destination* a listener hands to a worker.

The contract shared with the workers (which carry it untouched) and ``bot.slack_delivery``
(which follows it)::

    {"team_id": str, "channel_id": str|None, "ts": str|None,
     "user_id": str|None, "response_url": str|None, "locale": str}
    (+ "page": int, reports only)

``channel_id`` + ``ts`` → that message is updated; else ``response_url``; else a new
message in ``channel_id``; else a DM to ``user_id``. ``locale`` is the language of the
person who asked (``core.i18n``, current when the destination was built): the worker and
the notifier write the answer in it. Listeners build it only through the
functions below, so the keys are written in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NotRequired, TypedDict

from bot.permissions import Actor
from core import i18n


class Destination(TypedDict):
    team_id: str
    channel_id: str | None
    ts: str | None
    user_id: str | None
    response_url: str | None
    locale: str
    page: NotRequired[int]
    """A report redrawn on this page (Previous/Next): no new CSV is posted."""


def destination(
    *,
    team_id: str,
    channel_id: str | None = None,
    ts: str | None = None,
    user_id: str | None = None,
    response_url: str | None = None,
    page: int | None = None,
    locale: str | None = None,
) -> Destination:
    """A destination with every key present (``page`` only when given); ``locale``
    defaults to the current language."""
    built = Destination(
        team_id=team_id,
        channel_id=channel_id,
        ts=ts,
        user_id=user_id,
        response_url=response_url,
        locale=i18n.normalize(locale) or i18n.current(),
    )
    if page is not None:
        built["page"] = page
    return built


def to_user(actor: Actor) -> Destination:
    """A DM to the actor (a Home tab click has no channel and no response_url)."""
    return destination(team_id=actor.team_id, user_id=actor.user_id)


def to_message(actor: Actor, *, channel_id: str | None, ts: str | None) -> Destination:
    """Update the message at (channel, ts); a DM to the actor when there is none."""
    return destination(team_id=actor.team_id, channel_id=channel_id, ts=ts, user_id=actor.user_id)


def to_response_url(actor: Actor, response_url: str | None) -> Destination:
    """Answer through a command's or a modal's response_url (the channel cannot be posted
    in); a DM to the actor when there is none."""
    return destination(team_id=actor.team_id, user_id=actor.user_id, response_url=response_url)


def message_location(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(channel, ts) of the message holding a clicked button, when it is a message."""
    container = body.get("container") or {}
    if container.get("type") != "message":
        return None, None
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return channel, ts


def to_clicked_message(
    actor: Actor, body: Mapping[str, Any], *, page: int | None = None
) -> Destination:
    """Redraw the message whose button was clicked; without one (an ephemeral answer or a
    view), answer through the action's response_url."""
    channel, ts = message_location(body)
    return destination(
        team_id=actor.team_id,
        channel_id=channel,
        ts=ts,
        user_id=actor.user_id,
        response_url=None if ts else body.get("response_url"),
        page=page,
    )


def read_destination(value: object) -> Destination:
    """A destination read back from a notice's payload; a missing or malformed one has
    every key None (the notifier then drops the notice with a log line) and is English."""
    found: Mapping[str, Any] = value if isinstance(value, Mapping) else {}
    read = destination(
        team_id=str(found.get("team_id") or ""),
        channel_id=found.get("channel_id"),
        ts=found.get("ts"),
        user_id=found.get("user_id"),
        response_url=found.get("response_url"),
        locale=i18n.normalize(found.get("locale")) or i18n.ENGLISH,
    )
    if found.get("page") is not None:
        read["page"] = found["page"]
    return read
