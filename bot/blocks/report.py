"""The Subsidy Report preview message: the director's view of a pay period.

Summary in blocks, one line per child paged ``ROWS_PER_PAGE`` at a time, a red banner
with a Review button when there are errors, and the Approve button (with Slack's confirm
dialog) only when the report can be submitted. The full table goes to the thread as CSV.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.limits import HEADER_TEXT, SECTION_TEXT, clip
from bot.blocks.problems import by_child, child_lines, stays_of
from bot.blocks.values import PeriodRef, StudentRef
from bot.blocks.warnings import issue_text
from bot.escape import escape_mrkdwn
from core.domain.report import ProviderStatus, ReportRow, RowState, RowStatus, SubsidyReport
from core.domain.report_words import STATE_WORDS, error_words, state_words
from core.domain.wall_clock import day_label
from core.errors import days_phrase
from core.i18n import (
    N_,
    _,
    format_date,
    format_decimal,
    format_period,
    format_short_date,
    ngettext,
)
from core.messages import CORRECTED_CLAIM_CONTACT

ROWS_PER_PAGE = 30
MAX_ERROR_LINES = 10
MAX_WARNING_LINES = 5
MESSAGE_TEXT_BUDGET = 11_000
"""All the text of one message, under Slack's ~12,000 total where it starts refusing."""
NAME_IN_ROW = 60
MAX_LINK_BUTTONS = 5

APPROVE_ACTION = "report_approve"
REVIEW_ACTION = "report_review"
REFRESH_ACTION = "report_refresh"
PAGE_ACTION = "report_page"
LINK_ACTION = "report_link_student"

PERIOD_NOT_OVER = N_(
    ":calendar: This pay period runs until {end}: *Approve & submit* comes once it has "
    "ended. Submit early only if no more attendance will come for {days}."
)
EARLY_ACTION = "report_approve_early"

CONFIRM_TEXT = N_(
    "Submitted attendance cannot be edited, and a pay period can be submitted only once. "
    "Corrections go through HHS CCA Payments and Registration (866-448-4605)."
)

_STATUS_ICON = {
    RowStatus.APPROVED: ":white_check_mark:",
    RowStatus.UNAPPROVED: ":warning:",
    RowStatus.UNDEFINED: ":heavy_minus_sign:",
    RowStatus.NO_ATTENDANCE: ":zzz:",
}


def report_text(report: SubsidyReport) -> str:
    """The notification fallback text (shown in pushes; names escaped)."""
    state = (
        _("ready to submit")
        if report.can_submit
        else ngettext("{n} error", "{n} errors", len(report.errors))
    )
    return _(
        "KinderTrack Subsidy Report for {school}, {start} to {end}: {state}",
        school=escape_mrkdwn(report.school),
        start=format_date(report.start),
        end=format_date(report.end),
        state=state,
    )


def registration_tag(report: SubsidyReport) -> str:
    if report.provider_status is ProviderStatus.REGISTERED:
        return _(
            ":large_green_circle: Registered · provider ID {provider_id}",
            provider_id=report.provider_id,
        )
    if report.provider_status is ProviderStatus.INACTIVE:
        return _(
            ":red_circle: Inactive KinderTrack provider ID {provider_id}",
            provider_id=report.provider_id,
        )
    return _(":white_circle: Not registered: /kindertrack register")


_STATE_ICON = {
    RowState.READY: ":white_check_mark:",
    RowState.NEEDS_FIX: ":red_circle:",
    RowState.NOT_LINKED: ":warning:",
    RowState.NO_ATTENDANCE: ":zzz:",
}
LEGEND = N_(
    ":white_check_mark: ready to send · :red_circle: needs a fix · :warning: not linked "
    "(no KinderTrack child ID: not sent) · :zzz: no attendance. KinderTrack's own status "
    "follows: “Approved” means KinderTrack knows the child ID."
)


def row_line(row: ReportRow, allowance: int = 4) -> str:
    """``✅ *Ava Smith* (123456) — ready to send · KinderTrack: Approved · 2 d · …``, with
    the child's absences (``1 absent, 3/4 this month``) when there are any."""
    problems = error_words(row)
    errors = f" · {problems}" if problems else ""
    child = f" ({row.child_id})" if row.child_id else ""
    away = (
        " · "
        + _(
            "{absent} absent, {used}/{allowance} this month",
            absent=row.absences,
            used=row.allowance_used,
            allowance=allowance,
        )
        if row.absences or row.allowance_used
        else ""
    )
    figures = _(
        "{days} d · {hours} h · {units} u",
        days=row.days,
        hours=format_decimal(row.hours),
        units=row.units,
    )
    return (
        f"{_STATE_ICON[row.state]} *{escape_mrkdwn(clip(row.student, NAME_IN_ROW))}*{child} — "
        f"*{state_words(row)}* · KinderTrack: {row.status.label} · "
        f"{figures}{away}{errors}"
    )


def pack_lines(lines: list[str], *, limit: int = SECTION_TEXT) -> list[str]:
    """Join lines into as few texts as fit ``limit`` characters each."""
    texts: list[str] = []
    current = ""
    for line in lines:
        line = clip(line, limit)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            texts.append(current)
            current = line
        else:
            current = candidate
    if current:
        texts.append(current)
    return texts


def report_blocks(
    report: SubsidyReport,
    *,
    school_id: int,
    page: int = 0,
    actions: bool = True,
    locked_note: bool = True,
) -> list[Block]:
    """The report; ``locked_note=False`` leaves out the "already submitted" line where the
    message itself says what was sent."""
    ref = PeriodRef(school_id, report.start, report.end)
    match = (
        _("matches a pay period") if report.pay_period_match else _("does *not* match a pay period")
    )
    blocks: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(
                text=clip(
                    _("KinderTrack Subsidy Report — {school}", school=report.school), HEADER_TEXT
                )
            )
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(text=registration_tag(report)),
                MarkdownTextObject(
                    text=f"{format_short_date(report.start)} – {format_date(report.end)} ({match})"
                ),
            ]
        ),
    ]
    blocks += _banner(report, ref)
    blocks.append(
        SectionBlock(
            text=MarkdownTextObject(
                text=(
                    " · ".join(
                        f"*{sum(1 for r in report.rows if r.state is state)}* {_(words)}"
                        for state, words in STATE_WORDS.items()
                    )
                    + "\n"
                    + _(
                        "Linked children's total: *{hours} h*, about *{units}* units (estimate; "
                        "KinderTrack computes payment)",
                        hours=format_decimal(report.total_hours),
                        units=report.total_units,
                    )
                )
            )
        )
    )
    blocks += _rows(report, ref, page)
    if report.rows:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_(LEGEND))]))
    blocks += _unlinked(report, school_id)
    if report.warnings:
        tz = report.tz or ZoneInfo("UTC")
        lines = [
            f":large_yellow_circle: {escape_mrkdwn(clip(w.student, NAME_IN_ROW))}: "
            f"{escape_mrkdwn(clip(issue_text(w, tz), 300))}"
            for w in report.warnings[:MAX_WARNING_LINES]
        ]
        if len(report.warnings) > MAX_WARNING_LINES:
            lines.append(
                _(
                    "…and {count} more warnings.",
                    count=len(report.warnings) - MAX_WARNING_LINES,
                )
            )
        blocks += [SectionBlock(text=MarkdownTextObject(text=t)) for t in pack_lines(lines)]
    blocks.append(DividerBlock())
    if report.already_submitted:
        if locked_note:
            blocks.append(
                SectionBlock(
                    text=MarkdownTextObject(
                        text=_(":lock: *This pay period was already submitted.*")
                        + " "
                        + CORRECTED_CLAIM_CONTACT
                    )
                )
            )
    elif not report.can_submit:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=clip(
                            _("Not ready to submit:") + " " + " ".join(report.blocking_reasons),
                            SECTION_TEXT,
                        )
                    )
                ]
            )
        )
    if report.days_to_come is not None and not report.already_submitted:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            PERIOD_NOT_OVER,
                            end=day_label(report.end),
                            days=days_phrase(*report.days_to_come),
                        )
                    )
                ]
            )
        )
    if actions:
        blocks.append(_actions(report, ref))
    return blocks


def _banner(report: SubsidyReport, ref: PeriodRef) -> list[Block]:
    """The errors as one line per child and day, the first ``MAX_ERROR_LINES`` of them;
    Review errors shows every one."""
    if not report.errors:
        return []
    children = by_child(report.errors)
    stays = stays_of(report.errors)
    tz = report.tz or ZoneInfo("UTC")
    lines = [
        f"• {line}"
        for issues in children
        for line in child_lines(issues[0].student, issues, stays, tz)
    ]
    shown = lines[:MAX_ERROR_LINES]
    if len(lines) > MAX_ERROR_LINES:
        shown.append(
            _(
                "…and {count} more: Review errors shows them all.",
                count=len(lines) - MAX_ERROR_LINES,
            )
        )
    head = ngettext(
        ":rotating_light: *{n} child needs a fix* before anything can be sent: overlapping "
        "or incomplete stays.",
        ":rotating_light: *{n} children need a fix* before anything can be sent: overlapping "
        "or incomplete stays.",
        len(children),
    )
    texts = pack_lines([head, *shown])
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(text=texts[0]),
            accessory=ButtonElement(
                text=_("Review errors"),
                action_id=REVIEW_ACTION,
                value=ref.encode(),
                style="danger",
            ),
        )
    ]
    blocks += [SectionBlock(text=MarkdownTextObject(text=t)) for t in texts[1:]]
    return blocks


def _rows(report: SubsidyReport, ref: PeriodRef, page: int) -> list[Block]:
    pages = max(1, -(-len(report.rows) // ROWS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = report.rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=t))
        for t in pack_lines([row_line(r, report.absence_allowance) for r in shown])
    ]
    if pages > 1:
        buttons = []
        if page > 0:
            buttons.append(
                ButtonElement(
                    text=_("◀ Previous"),
                    action_id=f"{PAGE_ACTION}_prev",
                    value=ref.with_page(page - 1).encode(),
                )
            )
        if page < pages - 1:
            buttons.append(
                ButtonElement(
                    text=_("Next ▶"),
                    action_id=f"{PAGE_ACTION}_next",
                    value=ref.with_page(page + 1).encode(),
                )
            )
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "Children {first}–{last} of {total} (page {page} of {pages}); the "
                            "full table is in the thread as CSV.",
                            first=page * ROWS_PER_PAGE + 1,
                            last=page * ROWS_PER_PAGE + len(shown),
                            total=len(report.rows),
                            page=page + 1,
                            pages=pages,
                        )
                    )
                ]
            )
        )
        blocks.append(ActionsBlock(elements=buttons))
    return blocks


def _unlinked(report: SubsidyReport, school_id: int) -> list[Block]:
    """Unapproved children (no child ID): a Link button opens the link modal."""
    if report.provider_status is not ProviderStatus.REGISTERED:
        return []
    unapproved = [r for r in report.rows if r.status is RowStatus.UNAPPROVED]
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=_(
                    ":warning: *{name}* has no KinderTrack child ID: nothing of theirs would be "
                    "sent.",
                    name=escape_mrkdwn(row.student),
                )
            ),
            accessory=ButtonElement(
                text=_("Link child ID"),
                action_id=f"{LINK_ACTION}_{row.student_id}",
                value=StudentRef(school_id, row.student_id).encode(),
            ),
        )
        for row in unapproved[:MAX_LINK_BUTTONS]
    ]
    if len(unapproved) > MAX_LINK_BUTTONS:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=_(
                            "…and {count} more unlinked children: /kindertrack link or "
                            "/kindertrack sync",
                            count=len(unapproved) - MAX_LINK_BUTTONS,
                        )
                    )
                ]
            )
        )
    return blocks


def _actions(report: SubsidyReport, ref: PeriodRef) -> ActionsBlock:
    """Approve & submit once the period has ended; before that only Submit early, whose
    confirm names the days that could never be added."""
    elements: list[Any] = []
    to_come = report.days_to_come
    if report.can_submit and to_come is None:
        elements.append(
            ButtonElement(
                text=_("Approve & submit"),
                action_id=APPROVE_ACTION,
                value=ref.with_seen(report.fingerprint).encode(),
                style="primary",
                confirm=ConfirmObject(
                    title=_("Submit to KinderTrack?"),
                    text=_(CONFIRM_TEXT),
                    confirm=_("Submit"),
                    deny=_("Cancel"),
                ),
            )
        )
    elif report.can_submit and to_come is not None:
        elements.append(
            ButtonElement(
                text=_("Submit early…"),
                action_id=EARLY_ACTION,
                value=ref.with_seen(report.fingerprint, early=True).encode(),
                confirm=ConfirmObject(
                    title=_("Submit before it ends?"),
                    text=early_confirm_text(*to_come),
                    confirm=_("Submit early"),
                    deny=_("Cancel"),
                ),
            )
        )
    elements.append(ButtonElement(text=_("Refresh"), action_id=REFRESH_ACTION, value=ref.encode()))
    return ActionsBlock(elements=elements)


def early_confirm_text(first: date, last: date) -> str:
    """The confirm of Submit early: the days left out, within a confirm's 300 characters."""
    return _(
        "Attendance for {days} can never be added: a pay period is submitted only once and "
        "submitted attendance cannot be edited. Corrections go through HHS CCA Payments and "
        "Registration (866-448-4605).",
        days=days_phrase(first, last),
    )


def report_message(report: SubsidyReport, *, school_id: int, page: int = 0) -> dict[str, Any]:
    """Arguments for chat.postMessage / chat.update / respond."""
    return {
        "text": report_text(report),
        "blocks": [b.to_dict() for b in report_blocks(report, school_id=school_id, page=page)],
    }


def refused_report_message(report: SubsidyReport, *, school_id: int) -> dict[str, Any]:
    """What replaces a report Slack refused to show: the totals, where the whole report
    is (a file in the thread), and Refresh."""
    ref = PeriodRef(school_id, report.start, report.end)
    ready = sum(1 for row in report.rows if row.state is RowState.READY)
    text = _(
        ":page_facing_up: *KinderTrack Subsidy Report — {school}*, {period}\n"
        "Slack refused to show this report in one message, so the whole report is in the "
        "file in this thread. {ready} of {children} children ready to send; {errors} "
        "attendance problems to fix.",
        school=escape_mrkdwn(report.school),
        period=format_period(report.start, report.end),
        ready=ready,
        children=len(report.rows),
        errors=len(report.errors),
    )
    return {
        "text": report_text(report),
        "blocks": [
            SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT))).to_dict(),
            ActionsBlock(
                elements=[
                    ButtonElement(text=_("Refresh"), action_id=REFRESH_ACTION, value=ref.encode())
                ]
            ).to_dict(),
        ],
    }
