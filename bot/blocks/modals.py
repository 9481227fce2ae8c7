"""The register and link modals, and the small notice views they turn into.

Modals carry a :class:`ModalMeta` in ``private_metadata`` (the school's ID and where to
answer); the submission listener re-checks the school's workspace and the director
before using it. Names appear only in plain_text (options, labels), never in mrkdwn
unescaped.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.blocks.limits import OPTION_TEXT, SELECT_OPTIONS, VIEW_TITLE, clip
from bot.escape import escape_mrkdwn
from core.domain.names import name_key, name_matches
from core.errors import InvalidInput
from core.i18n import _
from core.ports import RosterChild

REGISTER_CALLBACK = "setup_register"
LINK_CALLBACK = "setup_link"

AGENCY_BLOCK = "register_agency"
AGENCY_ACTION = "agency"
AGENCY_KINDERTRACK = "IA-KINDERTRACK"
PROVIDER_BLOCK = "register_provider_id"
PROVIDER_ACTION = "provider_id"
LINK_CODE_BLOCK = "register_link_code"
LINK_CODE_ACTION = "link_code"
USERNAME_BLOCK = "register_username"
USERNAME_ACTION = "username"

CHILD_BLOCK = "link_child"
CHILD_ACTION = "child"
STUDENT_BLOCK = "link_student"
STUDENT_ACTION = "student"


@dataclass(frozen=True)
class ModalMeta:
    """What a modal remembers between opening and submission (never a name)."""

    school_id: int
    channel_id: str | None = None
    response_url: str | None = None

    def encode(self) -> str:
        return json.dumps(
            {"s": self.school_id, "c": self.channel_id, "r": self.response_url},
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, value: str) -> ModalMeta:
        try:
            data = json.loads(value)
            return cls(int(data["s"]), data.get("c") or None, data.get("r") or None)
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(_("This form is out of date; run the command again.")) from error


def _title(text: str) -> PlainTextObject:
    return PlainTextObject(text=clip(text, VIEW_TITLE))


def register_modal(school: str, meta: ModalMeta) -> View:
    """State agency (Iowa's KinderTrack only), the 5-digit provider ID, the link code that
    proves the center authorized Rollcall, a setup username."""
    agency = Option(value=AGENCY_KINDERTRACK, label="IA - KinderTrack")
    return View(
        type="modal",
        callback_id=REGISTER_CALLBACK,
        title=_title(_("Register provider")),
        submit=PlainTextObject(text=_("Register")),
        close=PlainTextObject(text=_("Cancel")),
        private_metadata=meta.encode(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=_(
                        "Register *{school}* with KinderTrack. Rollcall checks the provider ID "
                        "with KinderTrack before saving it.",
                        school=escape_mrkdwn(school),
                    )
                )
            ),
            InputBlock(
                block_id=AGENCY_BLOCK,
                label=_("State agency"),
                element=StaticSelectElement(
                    action_id=AGENCY_ACTION, options=[agency], initial_option=agency
                ),
            ),
            InputBlock(
                block_id=PROVIDER_BLOCK,
                label=_("Provider ID"),
                hint=_(
                    "5 digits, shown in the KinderTrack provider portal next to the location name"
                ),
                element=PlainTextInputElement(
                    action_id=PROVIDER_ACTION, placeholder="12345", max_length=20
                ),
            ),
            InputBlock(
                block_id=LINK_CODE_BLOCK,
                label=_("Link code"),
                hint=_(
                    "8 characters, given once to your center's KinderTrack administrator when "
                    "they authorize Rollcall in the KinderTrack portal (valid 7 days)"
                ),
                element=PlainTextInputElement(
                    action_id=LINK_CODE_ACTION, placeholder="K7PM2QXA", max_length=20
                ),
            ),
            InputBlock(
                block_id=USERNAME_BLOCK,
                label=_("Setup username"),
                optional=True,
                hint=_("Who set this up in KinderTrack (optional)"),
                element=PlainTextInputElement(action_id=USERNAME_ACTION, max_length=120),
            ),
        ],
    )


def roster_option(child: RosterChild) -> Option:
    """ "123456 · Ava Smith": the child ID first, so clipping a long name never hides it."""
    prefix = f"{child.child_id} · "
    return Option(
        value=child.child_id, label=prefix + clip(child.full_name, OPTION_TEXT - len(prefix))
    )


def roster_options(roster: Sequence[RosterChild], typed: str) -> list[Option]:
    """The link menu's options for what the director typed (a child ID's digits or any
    part of the name, accents and case ignored), sorted by name, at most Slack's 100."""
    query = typed.strip()
    children = sorted(roster, key=lambda c: (name_key(c.last_name), name_key(c.first_name)))
    found = [
        c
        for c in children
        if not query or c.child_id.startswith(query) or name_matches(query, c.full_name)
    ]
    return [roster_option(c) for c in found[:SELECT_OPTIONS]]


def _student_option(student_id: int, name: str) -> Option:
    return Option(value=str(student_id), label=clip(name, OPTION_TEXT))


def link_modal(
    school: str,
    meta: ModalMeta,
    *,
    roster: Sequence[RosterChild],
    students: Sequence[tuple[int, str]],
    selected_student: int | None = None,
) -> View:
    """Pick a KinderTrack child (not yet linked) and one of our students without an ID.

    The children's menu is an ``external_select`` whose options the app loads as the
    director types (:func:`roster_options`), so the whole roster is reachable; the
    students' select holds at most Slack's 100 options, the preselected one always.
    """
    picked = [s for s in students if s[0] == selected_student]
    others = [s for s in students if s[0] != selected_student]
    student_list = (picked + others)[:SELECT_OPTIONS]
    student_options = [_student_option(i, n) for i, n in student_list]
    student_select = StaticSelectElement(
        action_id=STUDENT_ACTION,
        placeholder=_("Choose a student"),
        options=student_options,
        initial_option=student_options[0] if picked else None,
    )
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_(
                    "Link a student of *{school}* to their KinderTrack child ID, chosen from "
                    "KinderTrack's roster.",
                    school=escape_mrkdwn(school),
                )
            )
        ),
        InputBlock(
            block_id=CHILD_BLOCK,
            label=_("KinderTrack child"),
            element=ExternalDataSelectElement(
                action_id=CHILD_ACTION,
                placeholder=_("Type a name or child ID"),
                min_query_length=0,
            ),
            hint=_(
                "{count} children on KinderTrack's roster are not linked yet.", count=len(roster)
            ),
        ),
        InputBlock(block_id=STUDENT_BLOCK, label=_("Student here"), element=student_select),
    ]
    if len(students) > SELECT_OPTIONS:
        cut = _("{shown} of {total} students", shown=SELECT_OPTIONS, total=len(students))
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "Showing {shown}. Link the others with `/kindertrack sync` (exact "
                            "names) or `/kindertrack link STUDENT CHILD_ID`.",
                            shown=cut,
                        )
                    )
                ]
            )
        )
    return View(
        type="modal",
        callback_id=LINK_CALLBACK,
        title=_title(_("Link child ID")),
        submit=PlainTextObject(text=_("Link")),
        close=PlainTextObject(text=_("Cancel")),
        private_metadata=meta.encode(),
        blocks=blocks,
    )


def notice_modal(title: str, text: str) -> View:
    """A modal that only says something (loading, done, or why nothing can be done)."""
    return View(
        type="modal",
        title=_title(title),
        close=PlainTextObject(text=_("Close")),
        blocks=[SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))],
    )


def loading_modal() -> View:
    return notice_modal(
        _("Link child ID"), _(":hourglass_flowing_sand: Asking KinderTrack for its roster…")
    )


def values_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``state.values`` of a submitted view."""
    return dict(view.get("state", {}).get("values", {}))


def selected(values: dict[str, dict[str, Any]], block: str, action: str) -> str | None:
    option = (values.get(block, {}).get(action) or {}).get("selected_option")
    return str(option["value"]) if option and option.get("value") is not None else None


def typed(values: dict[str, dict[str, Any]], block: str, action: str) -> str | None:
    value = (values.get(block, {}).get(action) or {}).get("value")
    return str(value) if value is not None else None


def offered(view: dict[str, Any], block: str) -> set[str] | None:
    """The option values the submitted view's select in ``block`` offered; None when the
    payload does not carry that block or its options are loaded by the app (nothing to
    compare with)."""
    for candidate in view.get("blocks") or []:
        if isinstance(candidate, dict) and candidate.get("block_id") == block:
            if (candidate.get("element") or {}).get("type") == "external_select":
                return None
            options = (candidate.get("element") or {}).get("options") or []
            return {str(o.get("value")) for o in options if isinstance(o, dict)}
    return None
