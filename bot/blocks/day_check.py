"""The same-day nudge: what the day left to fix, grouped by kind, sent to each director."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import MESSAGE_BLOCKS, SECTION_TEXT, clip
from bot.blocks.problems import day_problems, stays_of
from bot.blocks.report import pack_lines
from bot.blocks.warnings import issue_text
from bot.escape import escape_mrkdwn
from core.domain.attendance import IssueCode
from core.domain.day_check import NOT_RECORDED, DayCheck, Problem
from core.domain.report import ReportIssue
from core.domain.wall_clock import day_label
from core.i18n import N_, _, format_day, ngettext

GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    (N_(":hourglass: *Still checked in*"), frozenset({IssueCode.STILL_CHECKED_IN})),
    (N_(":twisted_rightwards_arrows: *Overlapping records*"), frozenset({IssueCode.OVERLAP})),
    (N_(":door: *Missing check-outs*"), frozenset({IssueCode.MISSING_CHECK_OUT})),
    (
        N_(":x: *Other errors*"),
        frozenset({IssueCode.CHECK_OUT_BEFORE_CHECK_IN, IssueCode.TOO_LONG, IssueCode.FUTURE}),
    ),
    (N_(":grey_question: *Nothing recorded today*"), frozenset({NOT_RECORDED})),
)
MAX_LINES_PER_GROUP = 6
LINE_CHARS = 280
"""Five groups of six lines this long, and the rest counted, stay under Slack's ~12,000
characters a message."""


def _worded(problems: list[Problem], day: date, tz: ZoneInfo | None) -> str:
    """One child's problems of one kind on the school's clock: "7:30 AM–12:00 PM and
    11:30 AM–5:00 PM overlap"; another day than the check's is named."""
    if tz is None:  # a check made before it carried its zone
        return "; ".join(dict.fromkeys(p.message for p in problems))
    if problems[0].code == NOT_RECORDED:
        return _("Nothing recorded: add the check-in and check-out, or mark the child absent.")
    issues = [
        ReportIssue(
            p.student_id,
            p.student_name,
            p.code,
            p.message,
            p.record_id,
            p.check_in_s,
            p.check_out_s,
        )
        for p in problems
    ]
    if problems[0].code == IssueCode.STILL_CHECKED_IN:
        return "; ".join(issue_text(issue, tz) for issue in issues)
    return "; ".join(
        text if on in (day, date.max) else f"{day_label(on)}: {text}"
        for on, text in day_problems(issues, stays_of(issues), tz)
    )


def day_check_message(school: str, check: DayCheck) -> dict[str, Any]:
    """The directors' end-of-day message: each problem under its kind, children's names
    escaped, and how to fix them while the day is still remembered."""
    count = len(check.problems)
    head = ngettext(
        "*{school}, {day}:* {n} thing to fix before the day is forgotten.",
        "*{school}, {day}:* {n} things to fix before the day is forgotten.",
        count,
        school=escape_mrkdwn(school),
        day=format_day(check.day),
    )
    lines = [head]
    for title, codes in GROUPS:
        found = [p for p in check.problems if p.code in codes]
        if not found:
            continue
        lines.append(_(title))
        children: dict[int, list[Problem]] = {}
        for problem in found:
            children.setdefault(problem.student_id, []).append(problem)
        lines += [
            clip(
                f"• *{escape_mrkdwn(mine[0].student_name)}*: "
                f"{escape_mrkdwn(_worded(mine, check.day, check.tz))}",
                LINE_CHARS,
            )
            for mine in list(children.values())[:MAX_LINES_PER_GROUP]
        ]
        if len(children) > MAX_LINES_PER_GROUP:
            lines.append(_("…and {count} more", count=len(children) - MAX_LINES_PER_GROUP))
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT)))
        for text in pack_lines(lines)[: MESSAGE_BLOCKS - 1]
    ]
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=_(
                        "Fix them on the roll-call board (`/kindertrack rollcall`) or in the "
                        "report's review (`/kindertrack report`)."
                    )
                )
            ]
        )
    )
    summary = ngettext(
        "{school}: {n} attendance problem today",
        "{school}: {n} attendance problems today",
        count,
        school=escape_mrkdwn(school),
    )
    return {"text": clip(summary, 3000), "blocks": [b.to_dict() for b in blocks]}
