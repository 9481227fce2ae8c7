"""The roll-call board: every child of a school with an In or Out button.

One section per child (name, and since when they are in) with its button; a message
holds at most Slack's 50 blocks, so a large class is paged ``PAGE_SIZE`` children at a
time. The channel's shared message shows the first page and a search (an
``external_select`` whose options the app loads); Previous/Next and a search pick open
a page or a child's card that only the clicker sees (ephemeral), so one person's paging
never moves the shared message. Buttons carry a :class:`BoardRef` (school, student,
page), never a name; the listener re-checks the workspace before acting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ExternalDataSelectElement,
    HeaderBlock,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.limits import HEADER_TEXT, OPTION_TEXT, SECTION_TEXT, SELECT_OPTIONS, clip
from bot.blocks.setup import clock_time
from bot.escape import escape_mrkdwn
from core.domain.names import name_matches
from core.errors import InvalidInput
from core.i18n import _, clock_hour, ngettext
from core.services.board import RollCallEntry

PAGE_SIZE = 40
"""Children per message page: 40 sections + header, summary, search, page line, nav = 45 ≤ 50."""

IN_ACTION = "board_in"
OUT_ACTION = "board_out"
PAGE_ACTION = "board_page"
REFRESH_ACTION = "board_refresh"
ABSENT_ACTION = "board_absent"
MODE_ACTION = "board_mode"
SEARCH_ACTION = "board_search"
SEARCH_BLOCK = "board_search"


@dataclass(frozen=True)
class BoardRef:
    school_id: int
    student_id: int = 0
    page: int = 0
    absences: bool = False
    """The board shows Absent buttons (for children not in today) instead of In/Out."""
    card: bool = False
    """The button is on one child's card (a search pick or a "Did you mean"), not a page."""
    shared: str = ""
    """The ts of the channel's shared board a private page or card was opened from (its
    counts are redrawn after a click there); empty on the shared board itself."""

    def encode(self) -> str:
        data: dict[str, int | str] = {"s": self.school_id, "k": self.student_id, "p": self.page}
        if self.absences:
            data["a"] = 1
        if self.card:
            data["c"] = 1
        if self.shared:
            data["m"] = self.shared
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def decode(cls, value: str) -> BoardRef:
        try:
            data = json.loads(value)
            return cls(
                int(data["s"]),
                int(data.get("k", 0)),
                int(data.get("p", 0)),
                bool(data.get("a", 0)),
                bool(data.get("c", 0)),
                str(data.get("m", "")),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                _("That board is out of date; run /kindertrack rollcall again.")
            ) from error


def search_block_id(school_id: int) -> str:
    """The search's block_id names the school, which a ``block_suggestion`` must find."""
    return f"{SEARCH_BLOCK}:{school_id}"


def school_of_search(block_id: str) -> int:
    prefix, _sep, school_id = block_id.partition(":")
    if prefix != SEARCH_BLOCK or not school_id.isdigit():
        raise InvalidInput(_("That board is out of date; run /kindertrack rollcall again."))
    return int(school_id)


def search_block(school_id: int) -> Block:
    return ActionsBlock(
        block_id=search_block_id(school_id),
        elements=[
            ExternalDataSelectElement(
                action_id=SEARCH_ACTION,
                placeholder=_("Find a child by name"),
                min_query_length=1,
            )
        ],
    )


def search_options(
    school_id: int, entries: Sequence[RollCallEntry], typed: str
) -> list[dict[str, Any]]:
    """The search's options for what was typed (any part of the name, accents and case
    ignored): the name as plain text, clipped to 75 characters; at most Slack's 100."""
    found = [e for e in entries if name_matches(typed, e.student_name)][:SELECT_OPTIONS]
    return [
        Option(
            value=BoardRef(school_id, e.student_id, card=True).encode(),
            label=clip(e.student_name, OPTION_TEXT),
        ).to_dict()
        for e in found
    ]


def page_count(children: int) -> int:
    return max(1, -(-children // PAGE_SIZE))


def _child_block(entry: RollCallEntry, ref: BoardRef, tz: ZoneInfo, now: datetime) -> Block:
    name = f"*{escape_mrkdwn(entry.student_name)}*"
    if entry.away is not None and entry.checked_in_at is None:
        return SectionBlock(
            text=MarkdownTextObject(text=_(":no_entry_sign: {name} — away today", name=name))
        )
    if ref.absences:
        if entry.checked_in_at is not None:
            return SectionBlock(text=MarkdownTextObject(text=f":large_green_circle: {name}"))
        return SectionBlock(
            text=MarkdownTextObject(text=f":white_circle: {name}"),
            accessory=ButtonElement(
                text=_("Absent"),
                action_id=f"{ABSENT_ACTION}_{entry.student_id}",
                value=ref.encode(),
                style="danger",
            ),
        )
    if entry.checked_in_at is not None:
        since = clock_time(entry.checked_in_at, tz, today=now.astimezone(tz).date())
        text = _(":large_green_circle: {name} — in since {time}", name=name, time=since)
        button = ButtonElement(
            text=_("Out"), action_id=f"{OUT_ACTION}_{entry.student_id}", value=ref.encode()
        )
    else:
        text = f":white_circle: {name}"
        button = ButtonElement(
            text=_("In"),
            action_id=f"{IN_ACTION}_{entry.student_id}",
            value=ref.encode(),
            style="primary",
        )
    return SectionBlock(text=MarkdownTextObject(text=text), accessory=button)


def board_blocks(
    school: str,
    school_id: int,
    entries: Sequence[RollCallEntry],
    *,
    tz: ZoneInfo,
    now: datetime,
    page: int = 0,
    absences: bool = False,
    shared: str = "",
) -> list[Block]:
    pages = page_count(len(entries))
    page = min(max(page, 0), pages - 1)
    shown = entries[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    present = sum(1 for e in entries if e.checked_in_at is not None)
    blocks: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(text=clip(_("Roll call — {school}", school=school), HEADER_TEXT))
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=ngettext(
                        "*{present}* of {total} children checked in · updated {time}. "
                        "Tap *In* or *Out* to record the time now.",
                        "*{present}* of {total} children checked in · updated {time}. "
                        "Tap *In* or *Out* to record the time now.",
                        clock_hour(now, tz),
                        present=present,
                        total=len(entries),
                        time=clock_time(now, tz),
                    )
                )
            ]
        ),
    ]
    if not entries:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=_("No students yet: add them with `rollcall student add` or a CSV import.")
                )
            )
        )
    if len(entries) > PAGE_SIZE:
        blocks.append(search_block(school_id))
    blocks += [
        _child_block(e, BoardRef(school_id, e.student_id, page, absences, shared=shared), tz, now)
        for e in shown
    ]
    nav: list[Any] = []
    if page > 0:
        nav.append(
            ButtonElement(
                text=_("◀ Previous"),
                action_id=f"{PAGE_ACTION}_prev",
                value=BoardRef(school_id, 0, page - 1, absences, shared=shared).encode(),
            )
        )
    if page < pages - 1:
        nav.append(
            ButtonElement(
                text=_("Next ▶"),
                action_id=f"{PAGE_ACTION}_next",
                value=BoardRef(school_id, 0, page + 1, absences, shared=shared).encode(),
            )
        )
    nav.append(
        ButtonElement(
            text=_("Refresh"),
            action_id=REFRESH_ACTION,
            value=BoardRef(school_id, 0, page, absences, shared=shared).encode(),
        )
    )
    nav.append(
        ButtonElement(
            text=_("Done with absences") if absences else _("Absent…"),
            action_id=MODE_ACTION,
            value=BoardRef(school_id, 0, page, not absences, shared=shared).encode(),
        )
    )
    if pages > 1:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "Children {first}–{last} of {total} (page {page} of {pages})",
                            first=page * PAGE_SIZE + 1,
                            last=page * PAGE_SIZE + len(shown),
                            total=len(entries),
                            page=page + 1,
                            pages=pages,
                        )
                    )
                ]
            )
        )
    blocks.append(ActionsBlock(elements=nav))
    return blocks


def card_message(
    school_id: int, entry: RollCallEntry, *, tz: ZoneInfo, now: datetime, shared: str = ""
) -> dict[str, Any]:
    """One child's In/Out, for the clicker only (a search pick or a "Did you mean")."""
    block = _child_block(
        entry, BoardRef(school_id, entry.student_id, card=True, shared=shared), tz, now
    )
    return {
        "text": _("Roll call: {name}", name=escape_mrkdwn(entry.student_name)),
        "blocks": [block.to_dict()],
    }


def suggestion_message(
    school_id: int, typed: str, entries: Sequence[RollCallEntry], *, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """ "Did you mean Zoë Ångström?" with each near match's own button."""
    question = _("No child is named exactly “{typed}”.", typed=escape_mrkdwn(typed))
    names = _(" or ").join(f"*{escape_mrkdwn(e.student_name)}*" for e in entries)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=clip(f"{question} " + _("Did you mean {names}?", names=names), SECTION_TEXT)
            )
        )
    ]
    blocks += [
        _child_block(e, BoardRef(school_id, e.student_id, card=True), tz, now) for e in entries
    ]
    return {"text": question, "blocks": [b.to_dict() for b in blocks]}


def board_message(
    school: str,
    school_id: int,
    entries: Sequence[RollCallEntry],
    *,
    tz: ZoneInfo,
    now: datetime,
    page: int = 0,
    absences: bool = False,
    shared: str = "",
) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update (or a private page opened from the
    shared board ``shared``)."""
    present = sum(1 for e in entries if e.checked_in_at is not None)
    return {
        "text": _(
            "Roll call for {school}: {present} of {total} checked in",
            school=escape_mrkdwn(school),
            present=present,
            total=len(entries),
        ),
        "blocks": [
            b.to_dict()
            for b in board_blocks(
                school,
                school_id,
                entries,
                tz=tz,
                now=now,
                page=page,
                absences=absences,
                shared=shared,
            )
        ],
    }
