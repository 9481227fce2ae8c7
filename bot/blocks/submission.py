"""What the report message becomes once approved: submitting, submitted, or refused."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.limits import SECTION_TEXT, clip
from bot.blocks.report import report_blocks
from bot.blocks.values import PeriodRef
from bot.escape import escape_mrkdwn
from core.domain.report import RowStatus, SubsidyReport
from core.domain.submission import SubmissionState
from core.domain.wall_clock import moment_label, time_label
from core.i18n import _, clock_hour, format_decimal, ngettext
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT
from core.services.submissions import SubmissionView


def who(user: str) -> str:
    """A Slack user mention when it is a Slack ID, else the plain (escaped) actor."""
    if user and user[0] in "UW" and user.isalnum():
        return f"<@{user}>"
    return escape_mrkdwn(user or _("someone"))


UNDO_ACTION = "submission_undo"


def status_block(
    view: SubmissionView, report: SubsidyReport, undo_until: datetime | None = None
) -> Block:
    state = view.state
    if state is SubmissionState.APPROVED and undo_until is not None:
        tz = report.tz or ZoneInfo("UTC")
        until, hour = time_label(undo_until, tz), clock_hour(undo_until, tz)
        text = ngettext(
            ":hourglass_flowing_sand: *Submitting…* approved by {who}. You can undo until "
            "{until}; then Rollcall sends it to KinderTrack and this message updates.",
            ":hourglass_flowing_sand: *Submitting…* approved by {who}. You can undo until "
            "{until}; then Rollcall sends it to KinderTrack and this message updates.",
            hour,
            who=who(view.approved_by),
            until=until,
        )
        undo = ButtonElement(
            text=ngettext("Undo (until {until})", "Undo (until {until})", hour, until=until),
            action_id=UNDO_ACTION,
            value=PeriodRef(view.school_id, view.period_start, view.period_end).encode(),
        )
        return SectionBlock(text=MarkdownTextObject(text=text), accessory=undo)
    if state in (SubmissionState.APPROVED, SubmissionState.SUBMITTING):
        text = _(
            ":hourglass_flowing_sand: *Submitting…* approved by {who}. This message updates "
            "when KinderTrack answers.",
            who=who(view.approved_by),
        )
        if view.error:
            text += f"\n_{escape_mrkdwn(view.error)}_"
    elif state is SubmissionState.SUBMITTED:
        text = clip(success_text(view, report), SECTION_TEXT)
    elif state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        text = _(":warning: *Not sent by Rollcall:* {why}", why=escape_mrkdwn(view.error or ""))
    elif state is SubmissionState.REJECTED:
        error = view.error or _("KinderTrack refused the submission.")
        text = _(":x: *KinderTrack refused the submission:* {why}", why=escape_mrkdwn(error))
        if ALREADY_SUBMITTED in error and CORRECTED_CLAIM_CONTACT not in error:
            text += f"\n{CORRECTED_CLAIM_CONTACT}"
    else:
        withdrawn = view.error or _(
            "Approval withdrawn: nothing was sent to KinderTrack. Approve again when it is ready."
        )
        text = f":leftwards_arrow_with_hook: {escape_mrkdwn(withdrawn)}"
    return SectionBlock(text=MarkdownTextObject(text=text))


def success_text(view: SubmissionView, report: SubsidyReport) -> str:
    """What was sent, as success: who approved and when it went, what it covered,
    KinderTrack's confirmation, and only then how a correction is made."""
    tz = report.tz or ZoneInfo("UTC")
    sent_at = view.received_at or view.approved_at
    children = sum(1 for row in report.rows if row.status is RowStatus.APPROVED and row.stays)
    stays = len(report.stays_to_send)
    lines = [
        _(
            ":white_check_mark: *Submitted to KinderTrack* — confirmation `{confirmation}`",
            confirmation=escape_mrkdwn(view.kindertrack_submission_id or ""),
        ),
        _(
            "Approved by {who}, sent {when}.",
            who=who(view.approved_by),
            when=moment_label(sent_at, tz),
        ),
        ngettext("*{n}* child", "*{n}* children", children)
        + " · "
        + ngettext("*{n}* stay", "*{n}* stays", stays)
        + " · "
        + _(
            "*{hours} h* · about *{units}* units (estimate; KinderTrack computes payment)",
            hours=format_decimal(report.total_hours),
            units=report.total_units,
        ),
    ]
    text = "\n".join(lines) + refusals_text(view)
    if not view.refused:
        text += "\n" + _(
            "_Sent attendance can no longer be changed in Rollcall._ To correct it: {contact}",
            contact=CORRECTED_CLAIM_CONTACT,
        )
    return text


MAX_REFUSALS_SHOWN = 10


def refusals_text(view: SubmissionView) -> str:
    """KinderTrack's per-child refusals (unpaid care), as lines to append; "" when none."""
    if not view.refused:
        return ""
    lines = [
        "\n"
        + ngettext(
            ":warning: *KinderTrack accepted {accepted} records and refused {n} child's:*",
            ":warning: *KinderTrack accepted {accepted} records and refused {n} children's:*",
            len(view.refused),
            accepted=view.accepted,
        )
    ]
    lines += [
        _("• child {child}: {why}", child=escape_mrkdwn(child), why=escape_mrkdwn(reason))
        for child, reason in view.refused[:MAX_REFUSALS_SHOWN]
    ]
    if len(view.refused) > MAX_REFUSALS_SHOWN:
        lines.append(_("…and {count} more", count=len(view.refused) - MAX_REFUSALS_SHOWN))
    lines.append(CORRECTED_CLAIM_CONTACT)
    return "\n".join(lines)


def submission_text(view: SubmissionView) -> str:
    if view.state is SubmissionState.SUBMITTED:
        return _(
            "Submitted to KinderTrack: confirmation {confirmation}",
            confirmation=view.kindertrack_submission_id,
        )
    if view.state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        return _("Not sent by Rollcall: {why}", why=view.error)
    if view.state is SubmissionState.REJECTED:
        return _("KinderTrack refused the submission: {why}", why=view.error)
    if view.state is SubmissionState.DRAFT:
        return view.error or _("Approval withdrawn.")
    return _("Submitting to KinderTrack…")


def submission_message(
    report: SubsidyReport,
    view: SubmissionView,
    *,
    school_id: int,
    undo_until: datetime | None = None,
) -> dict[str, Any]:
    """The report without its buttons (nobody clicks twice), topped by the submission state.

    A voided or withdrawn approval (back to draft) shows the buttons again so the director
    can re-approve; an approval still in its undo window (``undo_until``) offers Undo.
    """
    keep_actions = view.state is SubmissionState.DRAFT or view.state is SubmissionState.REJECTED
    blocks = report_blocks(
        report,
        school_id=school_id,
        actions=keep_actions,
        locked_note=view.state is not SubmissionState.SUBMITTED,
    )
    blocks.insert(2, status_block(view, report, undo_until))
    blocks.insert(
        3, ContextBlock(elements=[MarkdownTextObject(text=_("Submission #{id}", id=view.id))])
    )
    return {"text": submission_text(view), "blocks": [b.to_dict() for b in blocks]}
