"""Who may act on which school, from a Slack request's team, channel and user.

Every listener resolves the school through here: a payload may name any school ID, so
the workspace check happens on every action, not just when a message is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext

from bot.runtime import runtime
from core.errors import NotAllowed, NotFound
from core.i18n import _
from core.services.schools import get_school
from core.services.workspace import is_director, require_director, school_for_channel


@dataclass(frozen=True)
class Actor:
    """The person behind a Slack request."""

    team_id: str
    user_id: str
    channel_id: str | None = None


def actor_from_command(command: Mapping[str, Any], context: BoltContext) -> Actor:
    """The actor of a slash command.

    The team is Bolt's (``context.team_id``: right for an org-wide install), else the
    command's own ``team_id``; the user and channel are the command's, else Bolt's.
    """
    return Actor(
        team_id=str(context.team_id or command.get("team_id") or ""),
        user_id=str(command.get("user_id") or context.user_id or ""),
        channel_id=_text(command.get("channel_id")) or _text(context.channel_id),
    )


def actor_from_payload(body: Mapping[str, Any], context: BoltContext) -> Actor:
    """The actor of a block action or a view submission.

    The team: ``context.team_id`` first, then the payload's ``team.id``, then the user's
    ``team_id`` (a user of an org-wide install clicking in another workspace). The user:
    ``user.id``, else Bolt's. The channel: the container's, else the payload's
    ``channel.id``, else Bolt's; None for a Home tab or a modal.
    """
    user = body.get("user") or {}
    team = body.get("team") or {}
    container = body.get("container") or {}
    channel = body.get("channel") or {}
    return Actor(
        team_id=str(context.team_id or team.get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id") or context.user_id or ""),
        channel_id=(
            _text(container.get("channel_id"))
            or _text(channel.get("id"))
            or _text(context.channel_id)
        ),
    )


def _text(value: object) -> str | None:
    return str(value) if value else None


@dataclass(frozen=True)
class SchoolAccess:
    school_id: int
    school_name: str
    timezone: str
    director: bool


def school_in_channel(actor: Actor) -> SchoolAccess:
    """The school this channel works on, or a refusal that says how to choose one."""
    with runtime().session() as session:
        school = school_for_channel(
            session, team_id=actor.team_id, channel_id=actor.channel_id or ""
        )
        if school is None:
            raise NotFound(
                _(
                    "This channel does not work on a school yet: use /kindertrack school NAME "
                    "to create one or pick which school this channel works on."
                )
            )
        return SchoolAccess(
            school.id or 0,
            school.name,
            school.timezone,
            is_director(session, school_id=school.id or 0, user_id=actor.user_id),
        )


def school_by_id(actor: Actor, school_id: int, *, director: bool = False) -> SchoolAccess:
    """A school named in a payload: it must belong to the actor's workspace (and, when
    ``director`` is set, the actor must direct it)."""
    with runtime().session() as session:
        try:
            school = get_school(session, school_id=school_id, team_id=actor.team_id)
        except NotFound as error:
            raise NotAllowed(_("That school is not part of this Slack workspace.")) from error
        if director:
            require_director(session, school_id=school_id, user_id=actor.user_id)
        return SchoolAccess(
            school.id or 0,
            school.name,
            school.timezone,
            is_director(session, school_id=school_id, user_id=actor.user_id),
        )


def require(access: SchoolAccess) -> None:
    """Refuse a non-director politely (registering, linking, editing, submitting)."""
    if not access.director:
        raise NotAllowed(
            _(
                "Only the school's directors can do that. A director can add you with "
                "/kindertrack directors add @you."
            )
        )
