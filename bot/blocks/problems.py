"""A child's blocking errors as a director reads them: one line per child and day.

"Ava Smith, Mon Nov 9: 7:30 AM–12:00 PM and 11:30 AM–5:00 PM overlap". An overlap is one
line for the pair (the report holds one issue per stay); times are the school's local
wall-clock times; no record numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.blocks.warnings import issue_text
from bot.escape import escape_mrkdwn
from core.domain.attendance import IssueCode
from core.domain.instants import from_seconds
from core.domain.report import ReportIssue
from core.domain.wall_clock import day_label, stay_label, time_label
from core.i18n import _, clock_hour, ngettext


@dataclass(frozen=True)
class BadRecord:
    """A stay with at least one blocking error, as the review shows it."""

    record_id: int
    student_id: int
    student: str
    check_in: datetime
    check_out: datetime | None


def _part(code: str, stays: Sequence[BadRecord], tz: ZoneInfo) -> str:
    labels = [stay_label(s.check_in, s.check_out, tz) for s in stays]
    if code == IssueCode.OVERLAP:
        if len(labels) > 1:
            listed = _("{first} and {last}", first=", ".join(labels[:-1]), last=labels[-1])
        else:
            listed = labels[0]
        return _("{stays} overlap", stays=listed)
    stays_text = ", ".join(labels)
    if code == IssueCode.MISSING_CHECK_OUT:
        ins = ", ".join(time_label(s.check_in, tz) for s in stays)
        return ngettext(  # Spanish: "a la 1:00 p.m., …" by the first time
            "checked in {times}, never checked out",
            "checked in {times}, never checked out",
            clock_hour(stays[0].check_in, tz),
            times=ins,
        )
    if code == IssueCode.CHECK_OUT_BEFORE_CHECK_IN:
        return _("{stays}: the check-out is not after the check-in", stays=stays_text)
    if code == IssueCode.TOO_LONG:
        return _("{stays}: 24 hours or more, a check-out is probably missing", stays=stays_text)
    return _("{stays}: in the future, check the date", stays=stays_text)


def day_problems(
    issues: Sequence[ReportIssue], records: Mapping[int, BadRecord], tz: ZoneInfo
) -> list[tuple[date, str]]:
    """(day, "what is wrong that day") for one child's errors, in day order.

    Issues without a stay the caller knows are worded as the report words them."""
    by_day: dict[date, dict[str, dict[int, BadRecord]]] = {}
    loose: list[str] = []
    for issue in issues:
        record = records.get(issue.record_id) if issue.record_id is not None else None
        if record is None:
            loose.append(issue_text(issue, tz))
            continue
        day = record.check_in.astimezone(tz).date()
        by_day.setdefault(day, {}).setdefault(issue.code, {})[record.record_id] = record
    found = [
        (
            day,
            "; ".join(
                _part(code, sorted(stays.values(), key=lambda s: s.check_in), tz)
                for code, stays in codes.items()
            ),
        )
        for day, codes in sorted(by_day.items())
    ]
    return found + [(date.max, text) for text in dict.fromkeys(loose)]


def child_lines(
    student: str, issues: Sequence[ReportIssue], records: Mapping[int, BadRecord], tz: ZoneInfo
) -> list[str]:
    """``*Ava Smith*, Mon Nov 9: …`` per day, the name escaped for mrkdwn."""
    name = f"*{escape_mrkdwn(student)}*"
    return [
        f"{name}, {day_label(day)}: {escape_mrkdwn(text)}"
        if day != date.max
        else f"{name}: {escape_mrkdwn(text)}"
        for day, text in day_problems(issues, records, tz)
    ]


def stays_of(issues: Sequence[ReportIssue]) -> dict[int, BadRecord]:
    """The stays the issues name, from the times each issue carries."""
    return {
        issue.record_id: BadRecord(
            issue.record_id,
            issue.student_id,
            issue.student,
            from_seconds(issue.check_in_s),
            None if issue.check_out_s is None else from_seconds(issue.check_out_s),
        )
        for issue in issues
        if issue.record_id is not None and issue.check_in_s is not None
    }


def by_child(issues: Sequence[ReportIssue]) -> list[list[ReportIssue]]:
    """Issues grouped by child, in the order the children first appear."""
    groups: dict[int, list[ReportIssue]] = {}
    for issue in issues:
        groups.setdefault(issue.student_id, []).append(issue)
    return list(groups.values())
