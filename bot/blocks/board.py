"""The roll-call board: every child of a school with an In or Out button.

One section per child (name, and since when they are in) with its button; a message
holds at most Slack's 50 blocks, so a large class is paged ``PAGE_SIZE`` children at a
time with Previous/Next buttons that redraw the same message. A 300-child school is 8
pages. Buttons carry a :class:`BoardRef` (school, student, page), never a name; the
listener re-checks the workspace before acting.
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
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.limits import HEADER_TEXT, clip
from bot.blocks.setup import clock_time
from bot.escape import escape_mrkdwn
from core.errors import InvalidInput
from core.i18n import _
from core.services.attendance import RollCallEntry

PAGE_SIZE = 40
"""Children per message page: 40 sections + header, summary, page line, nav = 44 ≤ 50."""

IN_ACTION = "board_in"
OUT_ACTION = "board_out"
PAGE_ACTION = "board_page"
REFRESH_ACTION = "board_refresh"
ABSENT_ACTION = "board_absent"
MODE_ACTION = "board_mode"


@dataclass(frozen=True)
class BoardRef:
    school_id: int
    student_id: int = 0
    page: int = 0
    absences: bool = False
    """The board shows Absent buttons (for children not in today) instead of In/Out."""

    def encode(self) -> str:
        data = {"s": self.school_id, "k": self.student_id, "p": self.page}
        if self.absences:
            data["a"] = 1
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
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                _("That board is out of date; run /kindertrack rollcall again.")
            ) from error


def page_count(children: int) -> int:
    return max(1, -(-children // PAGE_SIZE))


def _child_block(entry: RollCallEntry, ref: BoardRef, tz: ZoneInfo, now: datetime) -> Block:
    name = f"*{escape_mrkdwn(entry.student)}*"
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
                    text=_(
                        "*{present}* of {total} children checked in · updated {time}. "
                        "Tap *In* or *Out* to record the time now.",
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
    blocks += [
        _child_block(e, BoardRef(school_id, e.student_id, page, absences), tz, now) for e in shown
    ]
    nav: list[Any] = []
    if page > 0:
        nav.append(
            ButtonElement(
                text=_("◀ Previous"),
                action_id=f"{PAGE_ACTION}_prev",
                value=BoardRef(school_id, 0, page - 1, absences).encode(),
            )
        )
    if page < pages - 1:
        nav.append(
            ButtonElement(
                text=_("Next ▶"),
                action_id=f"{PAGE_ACTION}_next",
                value=BoardRef(school_id, 0, page + 1, absences).encode(),
            )
        )
    nav.append(
        ButtonElement(
            text=_("Refresh"),
            action_id=REFRESH_ACTION,
            value=BoardRef(school_id, 0, page, absences).encode(),
        )
    )
    nav.append(
        ButtonElement(
            text=_("Done with absences") if absences else _("Absent…"),
            action_id=MODE_ACTION,
            value=BoardRef(school_id, 0, page, not absences).encode(),
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


def board_message(
    school: str,
    school_id: int,
    entries: Sequence[RollCallEntry],
    *,
    tz: ZoneInfo,
    now: datetime,
    page: int = 0,
    absences: bool = False,
) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update."""
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
                school, school_id, entries, tz=tz, now=now, page=page, absences=absences
            )
        ],
    }
