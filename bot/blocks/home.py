"""The App Home tab: one card per school, with the buttons a director uses most.

A card: the school's name, its registration tag, the current pay period and days left,
attendance errors to fix, children without a child ID, and the last closed period's
submission. Directors get Preview report / Register / Link / Sync buttons; staff see the
cards read-only. Four blocks a card keeps the view under Slack's 100 blocks.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.limits import HEADER_TEXT, clip
from bot.escape import escape_mrkdwn
from core.domain.pay_periods import PayPeriod
from core.domain.report import ProviderStatus
from core.domain.submission import SubmissionState
from core.errors import InvalidInput
from core.i18n import _, format_short_date, ngettext
from core.services.overview import SchoolOverview

MAX_SCHOOLS = 20
"""Cards shown (directed schools first): 3 + 20 × 4 blocks + 1 ≤ 100."""

PREVIEW_ACTION = "home_preview_report"
REGISTER_ACTION = "home_register"
LINK_ACTION = "home_link"
SYNC_ACTION = "home_sync"


SchoolCard = SchoolOverview
"""A card shows one :class:`core.services.overview.SchoolOverview`."""


def encode_school(school_id: int) -> str:
    return json.dumps({"s": school_id}, separators=(",", ":"))


def decode_school(value: str) -> int:
    try:
        return int(json.loads(value)["s"])
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput(_("That button is out of date; open the Home tab again.")) from error


def registration_tag(status: ProviderStatus, provider_id: str | None) -> str:
    if status is ProviderStatus.REGISTERED:
        return _(
            ":large_green_circle: Registered · provider ID {provider_id}", provider_id=provider_id
        )
    if status is ProviderStatus.INACTIVE:
        return _(
            ":red_circle: Inactive KinderTrack provider ID {provider_id}", provider_id=provider_id
        )
    return _(":white_circle: Not registered")


def _span(period: PayPeriod) -> str:
    return f"{format_short_date(period.start)} – {format_short_date(period.end)}"


def submission_line(card: SchoolCard) -> str:
    view = card.last_submission
    span = _span(card.last_closed)
    if view is None:
        return _("Last closed period ({span}): :hourglass: not submitted yet", span=span)
    if view.state is SubmissionState.SUBMITTED:
        return _(
            "Last closed period ({span}): :white_check_mark: submitted, confirmation "
            "`{confirmation}`",
            span=span,
            confirmation=view.kindertrack_submission_id,
        )
    if view.state is SubmissionState.REJECTED:
        return _(
            "Last closed period ({span}): :x: refused by KinderTrack: {why}",
            span=span,
            why=escape_mrkdwn(clip(view.error or "", 300)),
        )
    if view.state is SubmissionState.DRAFT:
        return _(
            "Last closed period ({span}): :leftwards_arrow_with_hook: approval withdrawn",
            span=span,
        )
    return _("Last closed period ({span}): :hourglass_flowing_sand: submitting", span=span)


def _card(card: SchoolCard) -> list[Block]:
    errors = (
        ngettext(
            ":rotating_light: *{n}* attendance error to fix",
            ":rotating_light: *{n}* attendance errors to fix",
            card.errors,
        )
        if card.errors
        else _(":white_check_mark: no attendance errors")
    )
    unlinked = (
        ngettext(
            ":warning: *{n}* child without a KinderTrack child ID",
            ":warning: *{n}* children without a KinderTrack child ID",
            card.unlinked,
        )
        if card.unlinked
        else _(":white_check_mark: every child is linked")
    )
    lines = [
        registration_tag(card.provider_status, card.provider_id),
        ngettext(
            ":calendar: Pay period {span} · *{n}* day left",
            ":calendar: Pay period {span} · *{n}* days left",
            card.days_left,
            span=_span(card.current),
        ),
        _("{errors} (this period and the last closed one)", errors=errors),
        unlinked,
        submission_line(card),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=clip(card.name, HEADER_TEXT))),
        SectionBlock(text=MarkdownTextObject(text="\n".join(lines))),
    ]
    value = encode_school(card.school_id)
    if card.director:
        blocks.append(
            ActionsBlock(
                block_id=f"home_school_{card.school_id}",
                elements=[
                    ButtonElement(
                        text=_("Preview report"),
                        action_id=PREVIEW_ACTION,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(text=_("Register"), action_id=REGISTER_ACTION, value=value),
                    ButtonElement(text=_("Link children"), action_id=LINK_ACTION, value=value),
                    ButtonElement(text=_("Sync roster"), action_id=SYNC_ACTION, value=value),
                ],
            )
        )
    else:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "You can check children in and out (`/kindertrack rollcall`); "
                            "a director registers, links and submits."
                        )
                    )
                ]
            )
        )
    blocks.append(DividerBlock())
    return blocks


def home_view(
    cards: Sequence[SchoolCard], *, note: str | None = None, total: int | None = None
) -> View:
    """The tab for ``cards``; ``total`` counts the schools there were cards for (when only
    the first ``MAX_SCHOOLS`` were built)."""
    total = max(total or 0, len(cards))
    ordered = sorted(cards, key=lambda c: (not c.director, c.name.casefold()))
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text="Rollcall")),
        SectionBlock(
            text=MarkdownTextObject(
                text=_(
                    "Submit Child Care Assistance attendance to KinderTrack from Slack. "
                    "Type `/kindertrack help` in your school's channel for every command."
                )
            )
        ),
    ]
    if note:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=clip(note, 3000))]))
    if not ordered:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_(
                        "No school in this workspace yet. In your school's channel, "
                        "`/kindertrack school NAME` creates one (you become its first director)."
                    )
                )
            )
        )
    for card in ordered[:MAX_SCHOOLS]:
        blocks += _card(card)
    shown = min(len(ordered), MAX_SCHOOLS)
    if total > shown:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "…and {count} more schools: use `/kindertrack report` in each "
                            "school's channel.",
                            count=total - shown,
                        )
                    )
                ]
            )
        )
    return View(type="home", blocks=blocks)


def home_dict(
    cards: Sequence[SchoolCard], *, note: str | None = None, total: int | None = None
) -> dict[str, Any]:
    return home_view(cards, note=note, total=total).to_dict()
