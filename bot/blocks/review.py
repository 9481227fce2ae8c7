"""The review modal: each stay with a blocking error, fixable with Slack's pickers.

Children in the report's order, as many as fit a view's 100 blocks. Per child a section
with one line per day saying what is wrong; per stay a date picker (its label names the
stay), a check-in and a check-out time picker, and boxes to delete it (a duplicate) or to
record the child absent that day instead; per day recorded both attended and away, a box
that removes the absence (or the center's closure) recorded by mistake.
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
from core.domain.absences import AbsenceKind
from core.domain.attendance import IssueCode
from core.domain.report import ReportIssue, SubsidyReport
from core.domain.wall_clock import day_label, stay_label
from core.errors import InvalidInput
from core.i18n import _, format_zone, ngettext

__all__ = ["AwayDay", "BadRecord", "ReviewMeta", "review_view"]

CALLBACK_ID = "report_review"
DAY_ACTION = "day"
TIME_ACTION = "time"
DELETE_ACTION = "delete"
DELETE_VALUE = "delete"
ABSENT_VALUE = "absent"
REMOVE_ACTION = "remove"
REMOVE_VALUE = "remove"
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


@dataclass(frozen=True)
class AwayDay:
    """A day a child is recorded both attended and away: their own absence, or (``closure``)
    the center's."""

    student_id: int
    day: date
    kind: AbsenceKind
    closure: bool


def away_block_id(student_id: int | None, day: date) -> str:
    """``away12_2026-11-18`` (a child's absence) / ``away0_2026-11-18`` (the closure)."""
    return f"away{student_id or 0}_{day.isoformat()}"


def parse_away_block_id(value: str) -> tuple[int | None, date] | None:
    """(student ID, or None for the center's closure; the day) of an away box."""
    head, _sep, day = value.partition("_")
    digits = head.removeprefix("away")
    if not head.startswith("away") or not digits.isdecimal():
        return None
    try:
        return (int(digits) or None), date.fromisoformat(day)
    except ValueError:
        return None


def error_block_id(key: int, field: str) -> str:
    """The block a refusal keyed as in :class:`core.errors.EditsRefused` belongs to."""
    if field.startswith("away:"):
        return away_block_id(key, date.fromisoformat(field.removeprefix("away:")))
    return block_id(key, field)


def _away_input(away: AwayDay) -> InputBlock:
    day = day_label(away.day)
    label, option = (
        (
            _("The center was open on {day}?", day=day),
            _("Remove the closure of {day} (for every child)", day=day),
        )
        if away.closure
        else (
            _("Attended on {day}?", day=day),
            _("Remove the absence recorded on {day}", day=day),
        )
    )
    return InputBlock(
        block_id=away_block_id(None if away.closure else away.student_id, away.day),
        label=clip(label, 2000),
        optional=True,
        element=CheckboxesElement(
            action_id=REMOVE_ACTION,
            options=[Option(value=REMOVE_VALUE, label=clip(option, 75))],
        ),
    )


def _away_of(
    issues: list[ReportIssue], away: Mapping[tuple[int, date], AwayDay], shown: set[str]
) -> tuple[list[InputBlock], bool]:
    """A removal box per day of this child recorded both attended and away, and whether
    the child has such a day at all; a closure's box only once in the modal (it is every
    child's)."""
    found: list[InputBlock] = []
    any_day = False
    for issue in issues:
        day = away.get((issue.student_id, issue.day)) if issue.day is not None else None
        if issue.code != IssueCode.ABSENT_AND_PRESENT or day is None:
            continue
        any_day = True
        block = _away_input(day)
        if block.block_id not in shown:
            shown.add(str(block.block_id))
            found.append(block)
    return found, any_day


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
                options=[
                    Option(value=DELETE_VALUE, label=_("Delete this stay")),
                    Option(value=ABSENT_VALUE, label=_("Absent that day: delete it")),
                ],
            ),
        ),
    ]


def review_blocks(
    report: SubsidyReport,
    records: Mapping[int, BadRecord],
    tz: ZoneInfo,
    *,
    skip: int = 0,
    away: Mapping[tuple[int, date], AwayDay] | None = None,
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
                    zone=format_zone(tz.key),
                )
            )
        )
    ]
    room = VIEW_BLOCKS - 2  # the intro above, and the closing note or skip button below
    shown = 0
    removals: set[str] = set()
    for issues in children[skip:]:
        stay_ids = list(
            dict.fromkeys(
                i.record_id for i in issues if i.record_id is not None and i.record_id in records
            )
        )
        boxes, away_days = _away_of(issues, away or {}, set(removals))
        left = room - len(blocks) - 1 - len(boxes)
        fits = left // BLOCKS_PER_STAY
        if not (stay_ids or away_days) or left < 0 or (fits < len(stay_ids) and shown):
            break
        if stay_ids and fits < 1:
            break
        lines = child_lines(issues[0].student, issues, records, tz)
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT)))
        )
        for record_id in stay_ids[:fits]:
            blocks += _stay_inputs(records[record_id], tz)
        blocks += boxes
        removals.update(str(b.block_id) for b in boxes)
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
    report: SubsidyReport,
    records: Mapping[int, BadRecord],
    tz: ZoneInfo,
    meta: ReviewMeta,
    away: Mapping[tuple[int, date], AwayDay] | None = None,
) -> dict[str, Any]:
    """The modal for views.open / views.update / a submission's ``update``."""
    blocks, skip, _shown = review_blocks(report, records, tz, skip=meta.skip, away=away)
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
