"""The register and link modals: opening them, and their submissions.

Why the submissions validate before ``ack``: Slack shows field errors only when they come
in the ack (``response_action="errors"``), so the checks that can refuse (the ID's
format, the workspace, the director, the picks still valid, a child ID already linked)
run first; they are a few indexed reads. Nothing before the ack calls KinderTrack: Slack
gives a submission 3 seconds, less than the KinderTrack client's retries. The slow part
of registering goes to a worker; linking (which checks the child against KinderTrack's
roster) runs after the ack, which turns the modal into "Linking…", and its result (done,
or KinderTrack's refusal) comes as an ephemeral message in the channel the modal was
opened from, else as a direct message.

Opening the link modal calls KinderTrack for its roster; a trigger_id is valid for 3
seconds only, so a "loading" modal opens at once and is replaced (``views.update``) when
the roster is in, or with the reason it could not be read.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import modals
from bot.blocks.modals import ModalMeta
from bot.blocks.setup import checking_provider_text, linked_text
from bot.destination import destination
from bot.escape import escape_mrkdwn
from bot.permissions import Actor, SchoolAccess, actor_from_payload, school_by_id
from bot.redraw import redraw_open_reports
from bot.runtime import runtime
from core.domain.ids import parse_link_code, parse_provider_id
from core.domain.names import clean_name
from core.errors import KinderTrackError, RollcallError
from core.i18n import N_, _
from core.services.schools import registration_of
from core.services.students import (
    ensure_child_id_free,
    link_student,
    list_students,
    unlinked_roster,
)
from workers import dispatch

log = logging.getLogger(__name__)


def open_register_modal(
    client: WebClient, *, trigger_id: str, access: SchoolAccess, meta: ModalMeta
) -> None:
    try:
        client.views_open(
            trigger_id=trigger_id, view=modals.register_modal(access.school_name, meta).to_dict()
        )
    except SlackApiError as error:  # an expired trigger: the user clicks again
        log.warning(
            "views.open of the register modal failed",
            extra={"event": "modal_failed", "error": error.response.get("error")},
        )


def _students_without_id(school_id: int) -> list[tuple[int, str]]:
    with runtime().session() as session:
        return [
            (s.id or 0, s.name)
            for s in list_students(session, school_id=school_id)
            if s.child_id is None
        ]


def _registered(school_id: int) -> bool:
    with runtime().session() as session:
        registration = registration_of(session, school_id)
        return registration is not None and registration.active


def open_link_modal(
    client: WebClient,
    *,
    trigger_id: str,
    actor: Actor,
    access: SchoolAccess,
    meta: ModalMeta,
    selected_student: int | None = None,
) -> None:
    """Open a loading modal now, then fill it with KinderTrack's unlinked roster."""
    try:
        opened = client.views_open(trigger_id=trigger_id, view=modals.loading_modal().to_dict())
    except SlackApiError as error:  # an expired trigger: the user clicks again
        log.warning(
            "views.open of the link modal failed",
            extra={"event": "modal_failed", "error": error.response.get("error")},
        )
        return
    view = opened.get("view") or {}
    view_id, view_hash = view.get("id"), view.get("hash")
    try:
        roster = unlinked_roster(runtime(), school_id=access.school_id, team_id=actor.team_id)
    except KinderTrackError as error:
        log.info(
            "roster unavailable",
            extra={
                "event": "roster_unavailable",
                "school_id": access.school_id,
                "error": type(error).__name__,
            },
        )
        replacement = modals.notice_modal(
            _("Link child ID"),
            _(
                ":warning: Could not read KinderTrack's roster: {why} Try again in a minute, "
                "or type `/kindertrack link STUDENT CHILD_ID`.",
                why=escape_mrkdwn(str(error)),
            ),
        )
    else:
        students = _students_without_id(access.school_id)
        if not students:
            replacement = modals.notice_modal(
                _("Link child ID"),
                _(":white_check_mark: Every student here has a KinderTrack child ID."),
            )
        elif not roster:
            reason = (
                _("every child on KinderTrack's roster is already linked")
                if _registered(access.school_id)
                else _(
                    "the school has no active KinderTrack registration: "
                    "`/kindertrack register PROVIDER_ID LINK_CODE` first"
                )
            )
            replacement = modals.notice_modal(
                _("Link child ID"),
                _(":information_source: Nothing to pick from: {reason}.", reason=reason),
            )
        else:
            replacement = modals.link_modal(
                access.school_name,
                meta,
                roster=roster,
                students=students,
                selected_student=selected_student,
            )
    try:
        client.views_update(view_id=view_id, hash=view_hash, view=replacement.to_dict())
    except SlackApiError as error:
        log.warning(
            "views.update of the link modal failed",
            extra={"event": "modal_failed", "error": error.response.get("error")},
        )


def handle_roster_options(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The link menu's options for what the director typed, from KinderTrack's roster of
    children not linked yet: the roster read when the modal opened (or by a sync) within
    the last minute, not a KinderTrack call per keystroke; which are linked is re-read,
    so a child linked meanwhile is no longer offered."""
    actor = actor_from_payload(body, context)
    try:
        meta = ModalMeta.decode((body.get("view") or {}).get("private_metadata", ""))
        access = school_by_id(actor, meta.school_id, director=True)
        roster = unlinked_roster(
            runtime(), school_id=access.school_id, team_id=actor.team_id, recent=True
        )
    except RollcallError as refusal:
        log.info(
            "link menu options refused",
            extra={
                "event": "link_options_refused",
                "user_id": actor.user_id,
                "error": type(refusal).__name__,
            },
        )
        ack(options=[])
        return
    ack(options=[o.to_dict() for o in modals.roster_options(roster, str(body.get("value") or ""))])


# --- submissions ------------------------------------------------------------------------


def handle_register_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    values = modals.values_of(view)
    actor = actor_from_payload(body, context)
    try:
        meta = ModalMeta.decode(view.get("private_metadata", ""))
        access = school_by_id(actor, meta.school_id, director=True)
        if modals.selected(values, modals.AGENCY_BLOCK, modals.AGENCY_ACTION) not in (
            None,
            modals.AGENCY_KINDERTRACK,
        ):
            ack(
                response_action="errors",
                errors={modals.AGENCY_BLOCK: _("Rollcall works with Iowa's KinderTrack only.")},
            )
            return
        provider_id = parse_provider_id(
            modals.typed(values, modals.PROVIDER_BLOCK, modals.PROVIDER_ACTION) or ""
        )
    except RollcallError as refusal:
        ack(response_action="errors", errors={modals.PROVIDER_BLOCK: str(refusal)})
        return
    try:
        link_code = parse_link_code(
            modals.typed(values, modals.LINK_CODE_BLOCK, modals.LINK_CODE_ACTION) or ""
        )
    except RollcallError as refusal:
        ack(response_action="errors", errors={modals.LINK_CODE_BLOCK: str(refusal)})
        return
    raw_username = modals.typed(values, modals.USERNAME_BLOCK, modals.USERNAME_ACTION)
    try:
        username = clean_name(raw_username, what=N_("setup username")) if raw_username else None
    except RollcallError as refusal:
        ack(response_action="errors", errors={modals.USERNAME_BLOCK: str(refusal)})
        return
    where = (
        _("The answer comes here in a moment.")
        if meta.response_url
        else _("The answer comes in a direct message.")
    )
    ack(
        response_action="update",
        view=modals.notice_modal(
            _("Register provider"), f"{checking_provider_text(provider_id)}\n{where}"
        ).to_dict(),
    )
    queue_registration(
        actor,
        access,
        provider_id,
        link_code=link_code,
        username=username,
        channel_id=meta.channel_id,
        response_url=meta.response_url,
    )


def queue_registration(
    actor: Actor,
    access: SchoolAccess,
    provider_id: str,
    *,
    link_code: str,
    username: str | None,
    channel_id: str | None,
    response_url: str | None,
) -> None:
    """Queue the provider's registration (KinderTrack is asked by a worker, not within
    Slack's 3 seconds); the answer goes back where it was asked."""
    dispatch.enqueue_registration(
        access.school_id,
        provider_id,
        link_code=link_code,
        username=username,
        actor=actor.user_id,
        team_id=actor.team_id,
        destination=destination(
            team_id=actor.team_id,
            channel_id=channel_id,
            user_id=actor.user_id,
            response_url=response_url,
        ),
    )
    log.info(
        "registration enqueued",
        extra={
            "event": "register_enqueued",
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )


def handle_link_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    """Check the picks (database only), ack with "Linking…", then link (which asks
    KinderTrack) and tell the director how it went."""
    values = modals.values_of(view)
    actor = actor_from_payload(body, context)
    picked_child = modals.selected(values, modals.CHILD_BLOCK, modals.CHILD_ACTION)
    student_id = modals.selected(values, modals.STUDENT_BLOCK, modals.STUDENT_ACTION)
    try:
        meta = ModalMeta.decode(view.get("private_metadata", ""))
        access = school_by_id(actor, meta.school_id, director=True)
    except RollcallError as refusal:
        ack(response_action="errors", errors={modals.CHILD_BLOCK: str(refusal)})
        return
    offered = modals.offered(view, modals.CHILD_BLOCK)
    if not picked_child or (offered is not None and picked_child not in offered):
        ack(response_action="errors", errors={modals.CHILD_BLOCK: _("Choose a KinderTrack child.")})
        return
    student = next(
        (name for sid, name in _students_without_id(access.school_id) if str(sid) == student_id),
        None,
    )
    if student is None:
        ack(
            response_action="errors",
            errors={
                modals.STUDENT_BLOCK: _(
                    "Choose a student without a child ID (this one may have been linked or "
                    "removed meanwhile)."
                )
            },
        )
        return
    try:
        child_id = ensure_child_id_free(
            runtime(), school_id=access.school_id, child_id=picked_child, team_id=actor.team_id
        )
    except RollcallError as refusal:
        ack(response_action="errors", errors={modals.CHILD_BLOCK: str(refusal)})
        return
    where = (
        _("The answer comes here in the channel.")
        if meta.channel_id
        else _("The answer comes in a direct message.")
    )
    linking = _(
        ":hourglass_flowing_sand: Linking {name} to KinderTrack child ID {child_id}…",
        name=escape_mrkdwn(student),
        child_id=child_id,
    )
    ack(
        response_action="update",
        view=modals.notice_modal(_("Link child ID"), f"{linking}\n{where}").to_dict(),
    )
    try:
        linked = link_student(
            runtime(),
            school_id=access.school_id,
            name=student,
            child_id=child_id,
            actor=actor.user_id,
            team_id=actor.team_id,
        )
    except RollcallError as refusal:
        log.info(
            "link from the modal refused",
            extra={
                "event": "link_refused",
                "school_id": access.school_id,
                "error": type(refusal).__name__,
            },
        )
        _tell(
            client,
            actor,
            meta,
            _(
                ":x: {name} was not linked: {why}",
                name=escape_mrkdwn(student),
                why=escape_mrkdwn(str(refusal)),
            ),
        )
        return
    log.info(
        "student linked",
        extra={
            "event": "student_linked",
            "student_id": linked.id,
            "school_id": access.school_id,
            "user_id": actor.user_id,
        },
    )
    redraw_open_reports(actor, access.school_id)
    _tell(client, actor, meta, linked_text(linked.name, child_id))


def _tell(client: WebClient, actor: Actor, meta: ModalMeta, text: str) -> None:
    """An answer only the actor sees: ephemeral in the modal's channel, else (or when the
    bot cannot post there) a direct message."""
    if meta.channel_id:
        try:
            client.chat_postEphemeral(channel=meta.channel_id, user=actor.user_id, text=text)
            return
        except SlackApiError as error:
            log.info(
                "ephemeral answer refused; sending a DM",
                extra={"event": "ephemeral_refused", "error": error.response.get("error")},
            )
    try:
        client.chat_postMessage(channel=actor.user_id, text=text)
    except SlackApiError as error:
        log.warning(
            "DM failed",
            extra={
                "event": "dm_failed",
                "user_id": actor.user_id,
                "error": error.response.get("error"),
            },
        )


def register(app: App) -> None:
    app.options(modals.CHILD_ACTION)(handle_roster_options)
    app.view(modals.REGISTER_CALLBACK)(handle_register_submission)
    app.view(modals.LINK_CALLBACK)(handle_link_submission)
