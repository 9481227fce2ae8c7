"""The review modal: each stay with a blocking error, fixable with Slack's pickers.

Children in the report's order, as many as fit a view's 100 blocks. Per child a section
with one line per day saying what is wrong; per stay a date picker (its label names the
stay), a check-in and a check-out time picker, and a "Delete this stay" box for a duplicate.
Saving checks every change and saves all or none; if errors remain the modal redraws with
the children still to fix, so any number can be fixed here. "Skip these children" shows
the next ones without saving.

``private_metadata`` carries only IDs, dates and a count (:class:`ReviewMeta`), never a name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.blocks.limits import PRIVATE_METADATA, SECTION_TEXT, VIEW_BLOCKS, clip
from bot.blocks.problems import BadRecord, by_child, child_lines
from core.domain.report import SubsidyReport
from core.domain.wall_clock import day_label, stay_label
from core.errors import InvalidInput
from core.i18n import _, ngettext

__all__ = ["BadRecord", "ReviewMeta", "review_view"]

CALLBACK_ID = "report_review"
DAY_ACTION = "day"
TIME_ACTION = "time"
DELETE_ACTION = "delete"
DELETE_VALUE = "delete"
SKIP_ACTION = "review_skip"
FIELDS = ("day", "in", "out", "delete")
BLOCKS_PER_STAY = 4


@dataclass(frozen=True)
class ReviewMeta:
    """What the modal's submission needs: the school, the period, the report message, and
    how many children with errors were skipped."""

    school_id: int
    start: date
    end: date
    channel_id: str | None = None
    ts: str | None = None
    skip: int = 0

    def encode(self) -> str:
        text = json.dumps(
            {
                "s": self.school_id,
                "f": self.start.isoformat(),
                "t": self.end.isoformat(),
                "c": self.channel_id,
                "m": self.ts,
                "k": self.skip,
            },
            separators=(",", ":"),
        )
        if len(text) > PRIVATE_METADATA:  # pragma: no cover - IDs and dates are short
            raise ValueError("review metadata too long")
        return text

    @classmethod
    def decode(cls, text: str) -> ReviewMeta:
        try:
            data = json.loads(text)
            return cls(
                int(data["s"]),
                date.fromisoformat(data["f"]),
                date.fromisoformat(data["t"]),
                data.get("c") or None,
                data.get("m") or None,
                int(data.get("k") or 0),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                _("This review window is out of date; open it again from the report.")
            ) from error

    def skipped(self, children: int) -> ReviewMeta:
        return replace(self, skip=self.skip + children)


def block_id(record_id: int, field: str) -> str:
    """``rec12_day`` / ``_in`` / ``_out`` / ``_delete``: a field back to its stay."""
    return f"rec{record_id}_{field}"


def parse_block_id(value: str) -> tuple[int, str] | None:
    head, _, field = value.partition("_")
    if not head.startswith("rec") or field not in FIELDS:
        return None
    digits = head.removeprefix("rec")
    return (int(digits), field) if digits.isdecimal() else None


def _hhmm(record_time: Any, tz: ZoneInfo) -> str | None:
    return None if record_time is None else f"{record_time.astimezone(tz):%H:%M}"


def _stay_inputs(record: BadRecord, tz: ZoneInfo) -> list[Block]:
    day = record.check_in.astimezone(tz).date()
    stay = f"{day_label(day)}, {stay_label(record.check_in, record.check_out, tz)}"
    return [
        InputBlock(
            block_id=block_id(record.record_id, "day"),
            label=clip(_("Stay {stay} — day", stay=stay), 2000),
            element=DatePickerElement(action_id=DAY_ACTION, initial_date=day.isoformat()),
        ),
        InputBlock(
            block_id=block_id(record.record_id, "in"),
            label=_("Check-in"),
            element=TimePickerElement(
                action_id=TIME_ACTION, initial_time=_hhmm(record.check_in, tz)
            ),
        ),
        InputBlock(
            block_id=block_id(record.record_id, "out"),
            label=_("Check-out"),
            optional=True,
            hint=_("Leave empty only for a child still here today."),
            element=TimePickerElement(
                action_id=TIME_ACTION, initial_time=_hhmm(record.check_out, tz)
            ),
        ),
        InputBlock(
            block_id=block_id(record.record_id, "delete"),
            label=_("A duplicate, or a stay that did not happen?"),
            optional=True,
            element=CheckboxesElement(
                action_id=DELETE_ACTION,
                options=[Option(value=DELETE_VALUE, label=_("Delete this stay"))],
            ),
        ),
    ]


def review_blocks(
    report: SubsidyReport,
    records: Mapping[int, BadRecord],
    tz: ZoneInfo,
    *,
    skip: int = 0,
) -> tuple[list[Block], int, int]:
    """The children with errors from ``skip`` on (back to the first past the last), as many
    as fit; with the skip used and how many children are shown."""
    children = by_child(report.errors)
    if skip >= len(children):
        skip = 0
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=ngettext(
                    "*{n} child needs a fix* ({start} to {end}). Times are the school's "
                    "({zone}). Change a day or a time, or tick *Delete this stay* for a "
                    "duplicate. Save checks every change and saves all of them or none.",
                    "*{n} children need a fix* ({start} to {end}). Times are the school's "
                    "({zone}). Change a day or a time, or tick *Delete this stay* for a "
                    "duplicate. Save checks every change and saves all of them or none.",
                    len(children),
                    start=day_label(report.start),
                    end=day_label(report.end),
                    zone=tz.key,
                )
            )
        )
    ]
    room = VIEW_BLOCKS - 2  # the intro above, and the closing note or skip button below
    shown = 0
    for issues in children[skip:]:
        stay_ids = list(
            dict.fromkeys(
                i.record_id for i in issues if i.record_id is not None and i.record_id in records
            )
        )
        fits = (room - len(blocks) - 1) // BLOCKS_PER_STAY
        if not stay_ids or (fits < len(stay_ids) and shown) or fits < 1:
            break
        lines = child_lines(issues[0].student, issues, records, tz)
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT)))
        )
        for record_id in stay_ids[:fits]:
            blocks += _stay_inputs(records[record_id], tz)
        shown += 1
    after = len(children) - skip - shown
    if after > 0 or skip:
        note = (
            ngettext(
                "{n} more child after these: save, and the next ones appear here.",
                "{n} more children after these: save, and the next ones appear here.",
                after,
            )
            if after > 0
            else _("These are the last children; skipping goes back to the first.")
        )
        blocks.append(
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=_("Skip these children"), action_id=SKIP_ACTION, value="skip"
                    )
                ]
            )
        )
        blocks.insert(1, ContextBlock(elements=[MarkdownTextObject(text=note)]))
    return blocks, skip, shown


def review_view(
    report: SubsidyReport, records: Mapping[int, BadRecord], tz: ZoneInfo, meta: ReviewMeta
) -> dict[str, Any]:
    """The modal for views.open / views.update / a submission's ``update``."""
    blocks, skip, _shown = review_blocks(report, records, tz, skip=meta.skip)
    has_inputs = any(isinstance(b, InputBlock) for b in blocks)
    if not report.errors:
        blocks = [
            SectionBlock(
                text=MarkdownTextObject(text=_("Nothing left to fix: the report is ready to send."))
            )
        ]
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=_("Fix attendance"),
        submit=_("Save") if has_inputs else None,
        close=_("Cancel") if has_inputs else _("Close"),
        private_metadata=replace(meta, skip=skip).encode(),
        blocks=blocks,
    )
    return view.to_dict()
