"""A report's warnings (and its errors about whole days) as a director reads them.

The report keeps each issue's values (``ReportIssue.facts``: days, counts) next to its
plain English message; here they are worded in the reader's language with human dates
("Mon, Nov 9", "November 2026") and the school's wall-clock times. An issue without the
values this module expects keeps the report's own message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.domain.absences import AbsenceKind
from core.domain.attendance import IssueCode
from core.domain.cca_rates import AgeGroup
from core.domain.instants import from_seconds
from core.domain.report import ReportIssue
from core.domain.wall_clock import day_label, time_label
from core.i18n import (
    N_,
    _,
    clock_hour,
    format_date,
    format_decimal,
    format_month,
    format_short_date,
    ngettext,
)

SHOWN_DAYS = 5
"""Dates listed in one warning before "and N more"."""

GROUP_WORDS = {
    AgeGroup.INFANT_TODDLER: N_("infant and toddler"),
    AgeGroup.PRESCHOOL: N_("preschool"),
    AgeGroup.SCHOOL_AGE: N_("school age"),
}


def _days(days: Sequence[date]) -> str:
    """``Nov 11, Nov 12 and 3 more``."""
    shown = ", ".join(format_short_date(day) for day in days[:SHOWN_DAYS])
    if len(days) > SHOWN_DAYS:
        return _("{days} and {n} more", days=shown, n=len(days) - SHOWN_DAYS)
    return shown


def _bound(day: object) -> str:
    return format_date(day) if isinstance(day, date) else "…"


def _worded(issue: ReportIssue, facts: Mapping[str, object], tz: ZoneInfo) -> str | None:
    code = issue.code
    day = facts.get("day")
    days = facts.get("days")
    if code == IssueCode.LONG_DAY and isinstance(day, date):
        hours = facts.get("hours")
        return _(
            "{day}: {hours} hours in care, over 12 hours.",
            day=day_label(day),
            hours=format_decimal(float(hours) if isinstance(hours, (int, float)) else 0.0),
        )
    if code == IssueCode.OVER_AUTHORIZED_UNITS and isinstance(day, date):
        cost = facts.get("cost")
        group = facts.get("group")
        return _(
            "{day}: {units} units of care, {over} over the {authorized} authorized a day; care "
            "beyond the authorization is not paid (estimate: ${cost} at Iowa's base {group} "
            "center rate).",
            day=day_label(day),
            units=facts.get("units"),
            over=facts.get("over"),
            authorized=facts.get("authorized"),
            cost=format_decimal(float(cost)) if isinstance(cost, (Decimal, int, float)) else "?",
            group=_(GROUP_WORDS[group]) if isinstance(group, AgeGroup) else str(group),
        )
    if code == IssueCode.OUTSIDE_AUTHORIZATION and isinstance(days, tuple):
        return _(
            "Attendance on {days} is outside the KinderTrack authorization ({start} to {end}).",
            days=_days(days),
            start=_bound(facts.get("start")),
            end=_bound(facts.get("end")),
        )
    if code == IssueCode.NOT_RECORDED and isinstance(days, tuple):
        return ngettext(
            "Nothing recorded on {n} weekday the center was open ({days}): record the "
            "attendance or the absence.",
            "Nothing recorded on {n} weekdays the center was open ({days}): record the "
            "attendance or the absence.",
            len(days),
            days=_days(days),
        )
    if code == IssueCode.ABSENCES_OVER_ALLOWANCE and isinstance(days, tuple):
        month = facts.get("month")
        return _(
            "{count} days absent in {month}, past the allowance of {allowance} a month: "
            "KinderTrack may not pay {days}.",
            count=facts.get("count"),
            month=format_month(month) if isinstance(month, date) else "?",
            allowance=facts.get("allowance"),
            days=_days(days),
        )
    if code == IssueCode.ABSENT_AND_PRESENT and isinstance(day, date):
        kind = facts.get("kind")
        return _(
            "{day} is recorded both as attended and as {kind}: remove the absence or the "
            "attendance.",
            day=day_label(day),
            kind=_(kind.label) if isinstance(kind, AbsenceKind) else str(kind),
        )
    if code == IssueCode.STILL_CHECKED_IN and issue.check_in_s is not None:
        checked_in = from_seconds(issue.check_in_s)
        return ngettext(
            "Checked in at {time} and not checked out yet: this stay is not sent until its "
            "check-out is recorded.",
            "Checked in at {time} and not checked out yet: this stay is not sent until its "
            "check-out is recorded.",
            clock_hour(checked_in, tz),
            time=time_label(checked_in, tz),
        )
    return None


def issue_text(issue: ReportIssue, tz: ZoneInfo) -> str:
    """The issue in the reader's words (plain text: escape it for mrkdwn)."""
    return _worded(issue, issue.facts, tz) or issue.message
