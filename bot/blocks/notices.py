"""Messages the notifier delivers: registration results, reminders, refusals, and the
submission status answer, plus the CSV copies posted in a report's thread.

Every name (school, provider, child) goes through ``escape_mrkdwn``; the report itself is
rendered by :mod:`bot.blocks.report` so a reminder carries the same preview and buttons.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import MESSAGE_BLOCKS, SECTION_TEXT, clip
from bot.blocks.report import report_blocks
from bot.blocks.submission import refusals_text, who
from bot.escape import escape_mrkdwn
from core.domain.pay_periods import PayPeriod
from core.domain.report import SubsidyReport
from core.domain.submission import SubmissionState
from core.domain.wall_clock import moment_label
from core.i18n import N_, _, format_date, ngettext
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT
from core.notices import ProviderRegistered, RegistrationRefused
from core.services.submissions import SubmissionView

REGISTERED_TAG = N_(":large_green_circle: Registered")


def _message(text: str, blocks: list[Block]) -> dict[str, Any]:
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT)))


def registration_message(notice: ProviderRegistered | RegistrationRefused) -> dict[str, Any]:
    """The answer to ``/kindertrack register``: a green tag, or KinderTrack's refusal."""
    if isinstance(notice, ProviderRegistered):
        provider_id = escape_mrkdwn(notice.provider_id)
        name = escape_mrkdwn(notice.provider_name)
        named = f" — {name}" if name else ""
        text = _(
            "{tag} · provider ID {provider_id}{named}",
            tag=_(REGISTERED_TAG),
            provider_id=provider_id,
            named=named,
        )
        return _message(
            _(
                "Registered with KinderTrack: provider ID {provider_id}{named}",
                provider_id=provider_id,
                named=named,
            ),
            [
                _section(text),
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=_(
                                "KinderTrack confirmed the provider ID. Next: link each "
                                "subsidized child with /kindertrack link or /kindertrack sync."
                            )
                        )
                    ]
                ),
            ],
        )
    message = escape_mrkdwn(notice.message or _("KinderTrack refused the provider ID."))
    return _message(
        _("Not registered: {why}", why=message),
        [_section(_(":red_circle: *Not registered.* {why}", why=message))],
    )


def placeholder_message(school: str, start: date, end: date, *, building: str) -> dict[str, Any]:
    """What the channel sees while a worker builds the report (replaced in place)."""
    where = _(
        "*{school}*, {start} to {end}",
        school=escape_mrkdwn(school),
        start=format_date(start),
        end=format_date(end),
    )
    return _message(
        f":hourglass_flowing_sand: {building}",
        [_section(f":hourglass_flowing_sand: {building}\n{where}")],
    )


def failure_message(message: str) -> dict[str, Any]:
    """A report refusal shown in place of a placeholder (a RollcallError's text)."""
    text = escape_mrkdwn(message)
    return _message(
        _("Could not build the report: {why}", why=text),
        [_section(_(":x: *Could not build the report.* {why}", why=text))],
    )


def reminder_intro(
    kind: str, report: SubsidyReport, *, days_left: int, errors: int
) -> tuple[str, str]:
    """(fallback text, mrkdwn line) opening a reminder."""
    school = escape_mrkdwn(report.school)
    period = _("{start} to {end}", start=format_date(report.start), end=format_date(report.end))
    if kind == "closing":
        due = ngettext("{n} day left", "{n} days left", days_left)
        to_fix = ngettext("{n} error to fix", "{n} errors to fix", errors)
        line = _(
            ":alarm_clock: *{school}*: the pay period {period} closes soon — *{due}, {to_fix}.*",
            school=school,
            period=period,
            due=due,
            to_fix=to_fix,
        )
        return f"{school}: {due}, {to_fix}", line
    line = _(
        ":bell: *{school}*: the pay period {period} has closed and is not submitted — "
        "the preview is ready to approve.",
        school=school,
        period=period,
    )
    if errors:
        line += " " + ngettext("First fix {n} error.", "First fix {n} errors.", errors)
    return _("{school}: the pay period has closed and is not submitted", school=school), line


def reminder_message(
    kind: str, report: SubsidyReport, *, school_id: int, days_left: int, errors: int
) -> dict[str, Any]:
    """A reminder: one line on what is due, then the same preview and buttons as the report."""
    text, line = reminder_intro(kind, report, days_left=days_left, errors=errors)
    blocks: list[Block] = [_section(line)]
    blocks += report_blocks(report, school_id=school_id)
    if len(blocks) > MESSAGE_BLOCKS:
        # The preview is built to leave room; never let a reminder be refused by Slack.
        blocks = blocks[:1] + blocks[-(MESSAGE_BLOCKS - 1) :]
    return _message(text, blocks)


def status_message(
    view: SubmissionView | None, *, school: str, period: PayPeriod, tz: ZoneInfo
) -> str:
    """The ``/kindertrack status`` answer (mrkdwn), its dates and times in the school's
    zone ``tz``."""
    head = _(
        "*{school}*, pay period {start} to {end}:",
        school=escape_mrkdwn(school),
        start=format_date(period.start),
        end=format_date(period.end),
    )
    if view is None:
        return (
            head
            + " "
            + _("not approved yet (draft). Run /kindertrack report to preview and approve it.")
        )
    state = view.state
    if state is SubmissionState.SUBMITTED:
        when = (
            _(" on {moment}", moment=moment_label(view.received_at, tz)) if view.received_at else ""
        )
        return (
            head
            + " "
            + ngettext(
                ":white_check_mark: submitted to KinderTrack{when}, confirmation "
                "`{confirmation}`, {n} record (submission #{id}).",
                ":white_check_mark: submitted to KinderTrack{when}, confirmation "
                "`{confirmation}`, {n} records (submission #{id}).",
                view.record_count,
                when=when,
                confirmation=escape_mrkdwn(view.kindertrack_submission_id or ""),
                id=view.id,
            )
            + refusals_text(view)
        )
    if state in (SubmissionState.APPROVED, SubmissionState.SUBMITTING):
        text = (
            head
            + " "
            + _(
                ":hourglass_flowing_sand: approved by {who} and being submitted "
                "(submission #{id}).",
                who=who(view.approved_by),
                id=view.id,
            )
        )
        if view.error:
            text += f"\n_{escape_mrkdwn(view.error)}_"
        return text
    if state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        return f"{head} :warning: {escape_mrkdwn(view.error or '')}"
    if state is SubmissionState.REJECTED:
        error = view.error or _("KinderTrack refused the submission.")
        text = (
            head
            + " "
            + _(
                ":x: KinderTrack refused submission #{id}: {why}",
                id=view.id,
                why=escape_mrkdwn(error),
            )
        )
        if ALREADY_SUBMITTED in error and CORRECTED_CLAIM_CONTACT not in error:
            text += f"\n{CORRECTED_CLAIM_CONTACT}"
        return text
    draft = _("draft.")
    return f"{head} {draft} {escape_mrkdwn(view.error or '')}".rstrip()
