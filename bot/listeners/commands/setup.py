"""``/kindertrack school | register | link | sync | directors``: setting a school up.

Directors register, link, sync and choose directors; anyone may create a school (they
become its first director) or ask which school a channel works on. Refusals are
``RollcallError``s, answered ephemerally by the dispatcher.

Where a refusal must come before a "working on it" answer (``register ID``, ``sync``),
the permission check (two indexed reads) precedes the ack so nobody is told "Checking…"
and then "you may not"; KinderTrack is never called before the ack.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.modals import ModalMeta
from bot.blocks.setup import (
    checking_provider_text,
    closing_time_text,
    director_added_text,
    director_removed_text,
    directors_text,
    linked_text,
    school_bound_text,
    school_created_text,
    school_status_text,
    sync_message,
)
from bot.listeners.commands.channel import answer_privately, asked_in_channel
from bot.listeners.commands.dispatcher import add_subcommand
from bot.listeners.views.setup import open_link_modal, open_register_modal, queue_registration
from bot.permissions import Actor, SchoolAccess, actor_from_command, require, school_in_channel
from bot.redraw import redraw_open_reports
from bot.runtime import runtime
from core import messages
from core.domain.ids import parse_link_code, parse_provider_id
from core.domain.names import clean_name
from core.errors import InvalidInput, NotFound
from core.i18n import N_, _
from core.services.schools import find_school, get_school, schools_of_team, set_closing_time
from core.services.students import link_student, sync_students
from core.services.workspace import (
    add_director,
    bind_channel,
    create_team_school,
    directors_of,
    remove_director,
    school_for_channel,
)

log = logging.getLogger(__name__)

# Slack escapes a picked user as <@U123|name> (or <@U123> without the name).
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>")


def director_here(actor: Actor) -> SchoolAccess:
    access = school_in_channel(actor)
    require(access)
    return access


# --- school ----------------------------------------------------------------------------


def handle_school(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    ack()
    actor = actor_from_command(command, context)
    raw = context["subcommand_args"]
    rt = runtime()
    if not raw:
        with rt.session() as session:
            current = school_for_channel(
                session, team_id=actor.team_id, channel_id=actor.channel_id or ""
            )
            names = [s.name for s in schools_of_team(session, team_id=actor.team_id)]
        answer_privately(
            respond,
            school_status_text(current=current.name if current else None, schools=names),
        )
        return
    name = clean_name(raw, what=N_("school name"))
    with rt.session() as session:
        try:
            existing = find_school(session, name=name, team_id=actor.team_id)
        except NotFound:
            existing = None
    if existing is not None:
        school = bind_channel(
            rt,
            team_id=actor.team_id,
            channel_id=actor.channel_id or "",
            school_id=existing.id or 0,
            by=actor.user_id,
        )
        log.info(
            "channel bound to a school",
            extra={
                "event": "channel_bound",
                "channel_id": actor.channel_id,
                "school_id": school.id,
                "user_id": actor.user_id,
            },
        )
        answer_privately(respond, school_bound_text(school.name))
        return
    school = create_team_school(
        rt,
        team_id=actor.team_id,
        name=name,
        creator=actor.user_id,
        channel_id=actor.channel_id,
    )
    log.info(
        "school created",
        extra={
            "event": "school_created",
            "school_id": school.id,
            "team_id": actor.team_id,
            "user_id": actor.user_id,
        },
    )
    answer_privately(respond, school_created_text(school.name))


# --- register --------------------------------------------------------------------------


def parse_register_args(raw: str) -> tuple[str, str]:
    """``PROVIDER_ID LINK_CODE``: from Slack, a provider is registered only with the code
    that proves the center authorized Rollcall."""
    parts = raw.split(maxsplit=1)
    provider_id = parse_provider_id(parts[0])
    if len(parts) < 2:
        raise InvalidInput(
            _(
                "Give the link code after the provider ID, like `/kindertrack register "
                "{provider_id} K7PM2QXA`.",
                provider_id=provider_id,
            )
            + f" {messages.ASK_FOR_LINK_CODE}"
        )
    return provider_id, parse_link_code(parts[1])


def handle_register(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor = actor_from_command(command, context)
    raw = context["subcommand_args"]
    if not raw:
        ack()
        access = director_here(actor)
        meta = ModalMeta(access.school_id, actor.channel_id, command.get("response_url"))
        open_register_modal(client, trigger_id=command["trigger_id"], access=access, meta=meta)
        return
    provider_id, link_code = parse_register_args(raw)
    access = director_here(actor)
    ack(text=checking_provider_text(provider_id), response_type="ephemeral")
    queue_registration(
        actor,
        access,
        provider_id,
        link_code=link_code,
        username=None,
        channel_id=actor.channel_id,
        response_url=command.get("response_url"),
    )


# --- link / sync -----------------------------------------------------------------------


def handle_link(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context, directors_only=True)
    raw = context["subcommand_args"]
    if not raw:
        meta = ModalMeta(access.school_id, actor.channel_id, command.get("response_url"))
        open_link_modal(
            client, trigger_id=command["trigger_id"], actor=actor, access=access, meta=meta
        )
        return
    parts = raw.rsplit(maxsplit=1)
    if len(parts) != 2:
        raise InvalidInput(
            _(
                "Give the student's name and then their 6-digit child ID, like "
                "`/kindertrack link Ava Smith 123456`, or just `/kindertrack link` to pick them."
            )
        )
    name, child_id = parts
    student = link_student(
        runtime(),
        school_id=access.school_id,
        name=name,
        child_id=child_id,
        actor=actor.user_id,
        team_id=actor.team_id,
    )
    log.info(
        "student linked",
        extra={
            "event": "student_linked",
            "student_id": student.id,
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )
    redraw_open_reports(actor, access.school_id)
    answer_privately(respond, linked_text(student.name, student.child_id or ""))


def handle_sync(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor = actor_from_command(command, context)
    access = director_here(actor)
    ack(text=_("Syncing with KinderTrack's roster…"), response_type="ephemeral")
    result = sync_students(
        runtime(), school_id=access.school_id, actor=actor.user_id, team_id=actor.team_id
    )
    log.info(
        "school synced",
        extra={
            "event": "sync",
            "school_id": access.school_id,
            "linked": len(result.linked),
            "unmatched_students": len(result.unmatched_students),
            "unmatched_roster": len(result.unmatched_roster),
        },
    )
    if result.linked:
        redraw_open_reports(actor, access.school_id)
    answer_privately(
        respond, **sync_message(access.school_name, result, school_id=access.school_id)
    )


# --- directors -------------------------------------------------------------------------


def parse_user(text: str) -> str:
    """The user ID Slack put in the command text for a picked ``@someone``."""
    match = _MENTION.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            _(
                "Pick the person with @ so Slack sends who they are, like "
                "`/kindertrack directors add @maria`."
            )
        )
    return match.group(1)


def handle_directors(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    actor, access = asked_in_channel(ack, command, context)
    parts = context["subcommand_args"].split(maxsplit=1)
    verb = parts[0].lower() if parts else ""
    rt = runtime()
    if not verb:
        with rt.session() as session:
            people = directors_of(session, school_id=access.school_id)
        answer_privately(respond, directors_text(access.school_name, people))
        return
    if verb not in ("add", "remove") or len(parts) != 2:
        raise InvalidInput(_("Use `/kindertrack directors add @someone` or `remove @someone`."))
    user_id = parse_user(parts[1])
    if verb == "add":
        added = add_director(
            rt, school_id=access.school_id, user_id=user_id, by=actor.user_id, team_id=actor.team_id
        )
        log.info(
            "director added",
            extra={
                "event": "director_added",
                "director_id": user_id,
                "school_id": access.school_id,
                "user_id": actor.user_id,
            },
        )
        answer_privately(respond, director_added_text(access.school_name, user_id, added=added))
        return
    remove_director(
        rt, school_id=access.school_id, user_id=user_id, by=actor.user_id, team_id=actor.team_id
    )
    log.info(
        "director removed",
        extra={
            "event": "director_removed",
            "director_id": user_id,
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )
    answer_privately(respond, director_removed_text(access.school_name, user_id))


# --- closing time ----------------------------------------------------------------------


def handle_closing(
    *,
    ack: Ack,
    respond: Respond,
    client: WebClient,
    command: dict[str, Any],
    context: BoltContext,
) -> None:
    """``/kindertrack closing [HH:MM]``: when the center closes (the same-day nudge)."""
    ack()
    actor = actor_from_command(command, context)
    raw = context["subcommand_args"]
    rt = runtime()
    if not raw:
        access = school_in_channel(actor)
        with rt.session() as session:
            closing = get_school(session, school_id=access.school_id).closing_time
    else:
        access = director_here(actor)
        closing = set_closing_time(
            rt, school_id=access.school_id, closing=raw, team_id=actor.team_id
        ).closing_time
        log.info(
            "closing time set",
            extra={
                "event": "closing_time",
                "school_id": access.school_id,
                "user_id": actor.user_id,
            },
        )
    answer_privately(respond, closing_time_text(access.school_name, closing))


add_subcommand("school", handle_school)
add_subcommand("register", handle_register)
add_subcommand("link", handle_link)
add_subcommand("sync", handle_sync)
add_subcommand("directors", handle_directors)
add_subcommand("closing", handle_closing)
