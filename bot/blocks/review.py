"""The review modal: every record with a blocking error, its times editable in place.

Grouped by child: a section naming the child (escaped) with the errors, then a check-in
and a check-out input per bad record, pre-filled with the school's local wall time
(``2026-11-09 08:00``; a time the zone repeats at fall-back carries its offset so the
pre-filled value stays unambiguous). A view holds at most 100 blocks: what does not fit
is counted in a closing note and stays in the report.

``private_metadata`` carries only IDs and dates (:class:`ReviewMeta`), never a name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.limits import PRIVATE_METADATA, SECTION_TEXT, VIEW_BLOCKS, clip
from bot.escape import escape_mrkdwn
from core.domain.instants import localize
from core.domain.report import ReportIssue, SubsidyReport
from core.errors import InvalidInput

CALLBACK_ID = "report_review"
TIME_ACTION = "time"
MAX_MESSAGE_LINES = 6
"""Error lines shown per child (the rest are in the report)."""


@dataclass(frozen=True)
class ReviewMeta:
    """What the modal's submission needs: the school, the period, the report message."""

    school_id: int
    start: date
    end: date
    channel_id: str | None = None
    ts: str | None = None

    def encode(self) -> str:
        text = json.dumps(
            {
                "s": self.school_id,
                "f": self.start.isoformat(),
                "t": self.end.isoformat(),
                "c": self.channel_id,
                "m": self.ts,
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
            )
        except (ValueError, KeyError, TypeError) as error:
            raise InvalidInput(
                "This review window is out of date; open it again from the report."
            ) from error


@dataclass(frozen=True)
class BadRecord:
    """A record with at least one blocking error, as the modal shows it."""

    record_id: int
    student_id: int
    student: str
    check_in: datetime
    check_out: datetime | None


def local_value(instant: datetime | None, tz: ZoneInfo) -> str:
    """How an instant is pre-filled: local wall time, with its offset only when ambiguous."""
    if instant is None:
        return ""
    local = instant.astimezone(tz)
    naive = local.replace(tzinfo=None)
    try:
        localize(naive, tz)
    except InvalidInput:
        return local.isoformat(sep=" ", timespec="minutes")
    return f"{local:%Y-%m-%d %H:%M}"


def block_id(record_id: int, field: str) -> str:
    """``rec12_in`` / ``rec12_out``: how a submission maps a field back to its record."""
    return f"rec{record_id}_{field}"


def parse_block_id(value: str) -> tuple[int, str] | None:
    head, _, field = value.partition("_")
    if not head.startswith("rec") or field not in ("in", "out"):
        return None
    digits = head.removeprefix("rec")
    return (int(digits), field) if digits.isdecimal() else None


def _child_section(student: str, issues: Sequence[ReportIssue]) -> SectionBlock:
    lines = [f"*{escape_mrkdwn(student)}*"]
    lines += [f"• {escape_mrkdwn(i.message)}" for i in issues[:MAX_MESSAGE_LINES]]
    if len(issues) > MAX_MESSAGE_LINES:
        lines.append(f"…and {len(issues) - MAX_MESSAGE_LINES} more")
    return SectionBlock(text=MarkdownTextObject(text=clip("\n".join(lines), SECTION_TEXT)))


def _inputs(record: BadRecord, tz: ZoneInfo) -> list[Block]:
    local = record.check_in.astimezone(tz)
    started = f"{local:%b %-d %H:%M}"
    day = local.date().isoformat()
    return [
        InputBlock(
            block_id=block_id(record.record_id, "in"),
            label=f"Check-in (stay from {started}, record {record.record_id})",
            element=PlainTextInputElement(
                action_id=TIME_ACTION,
                initial_value=local_value(record.check_in, tz),
                placeholder=f"{day} 08:00",
                max_length=40,
            ),
        ),
        InputBlock(
            block_id=block_id(record.record_id, "out"),
            label=f"Check-out (record {record.record_id})",
            optional=True,
            hint="Leave empty for a child still checked in today.",
            element=PlainTextInputElement(
                action_id=TIME_ACTION,
                initial_value=local_value(record.check_out, tz) or None,
                placeholder=f"{day} 16:30",
                max_length=40,
            ),
        ),
    ]


def review_blocks(
    report: SubsidyReport, records: Mapping[int, BadRecord], tz: ZoneInfo
) -> list[Block]:
    """Children with errors, in the report's order, as many as fit ``VIEW_BLOCKS``."""
    by_student: dict[int, list[ReportIssue]] = {}
    for issue in report.errors:
        by_student.setdefault(issue.student_id, []).append(issue)
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    f"*{len(report.errors)} error{'s' if len(report.errors) != 1 else ''}* "
                    f"for {report.start} to {report.end}. Times are local "
                    f"({tz.key}), like `2026-11-09 08:00`; add an offset such as `-05:00` "
                    "for a time the clocks repeat. Nothing is saved unless every change is valid."
                )
            )
        )
    ]
    room = VIEW_BLOCKS - 2  # the intro above, and the note below when something is left out
    left_out = 0
    for issues in by_student.values():
        record_ids = list(
            dict.fromkeys(
                i.record_id for i in issues if i.record_id is not None and i.record_id in records
            )
        )
        needed = 1 + 2 * len(record_ids)
        if not record_ids or len(blocks) + needed > room:
            left_out += len(issues)
            continue
        blocks.append(_child_section(issues[0].student, issues))
        for record_id in record_ids:
            blocks += _inputs(records[record_id], tz)
    if left_out:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=f"{left_out} more error{'s' if left_out != 1 else ''} did not fit "
                        "here: they are listed in the report. Save these fixes, then review again."
                    )
                ]
            )
        )
    return blocks


def review_view(
    report: SubsidyReport, records: Mapping[int, BadRecord], tz: ZoneInfo, meta: ReviewMeta
) -> dict[str, Any]:
    """The modal for views.open."""
    blocks = review_blocks(report, records, tz)
    has_inputs = any(isinstance(b, InputBlock) for b in blocks)
    view = View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Review errors",
        submit="Save" if has_inputs else None,
        close="Cancel" if has_inputs else "Close",
        private_metadata=meta.encode(),
        blocks=blocks,
    )
    return view.to_dict()
