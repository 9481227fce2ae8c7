"""What the report message becomes once approved: submitting, submitted, or refused."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.report import report_blocks
from bot.escape import escape_mrkdwn
from core.domain.report import SubsidyReport
from core.domain.submission import SubmissionState
from core.i18n import _, ngettext
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT
from core.services.submissions import SubmissionView


def who(user: str) -> str:
    """A Slack user mention when it is a Slack ID, else the plain (escaped) actor."""
    if user and user[0] in "UW" and user.isalnum():
        return f"<@{user}>"
    return escape_mrkdwn(user or _("someone"))


def status_block(view: SubmissionView) -> Block:
    state = view.state
    if state in (SubmissionState.APPROVED, SubmissionState.SUBMITTING):
        text = _(
            ":hourglass_flowing_sand: *Submitting…* approved by {who}. This message updates "
            "when KinderTrack answers.",
            who=who(view.approved_by),
        )
        if view.error:
            text += f"\n_{escape_mrkdwn(view.error)}_"
    elif state is SubmissionState.SUBMITTED:
        text = ngettext(
            ":white_check_mark: *Submitted to KinderTrack* — confirmation `{confirmation}`, "
            "{n} record, approved by {who}. Submitted attendance can no longer be edited.",
            ":white_check_mark: *Submitted to KinderTrack* — confirmation `{confirmation}`, "
            "{n} records, approved by {who}. Submitted attendance can no longer be edited.",
            view.record_count,
            confirmation=view.kindertrack_submission_id,
            who=who(view.approved_by),
        ) + refusals_text(view)
    elif state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        text = _(":warning: *Not sent by Rollcall:* {why}", why=escape_mrkdwn(view.error or ""))
    elif state is SubmissionState.REJECTED:
        error = view.error or _("KinderTrack refused the submission.")
        text = _(":x: *KinderTrack refused the submission:* {why}", why=escape_mrkdwn(error))
        if ALREADY_SUBMITTED in error and CORRECTED_CLAIM_CONTACT not in error:
            text += f"\n{CORRECTED_CLAIM_CONTACT}"
    else:
        withdrawn = view.error or _("Approval withdrawn.")
        text = f":leftwards_arrow_with_hook: {escape_mrkdwn(withdrawn)}"
    return SectionBlock(text=MarkdownTextObject(text=text))


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
    report: SubsidyReport, view: SubmissionView, *, school_id: int
) -> dict[str, Any]:
    """The report without its buttons (nobody clicks twice), topped by the submission state.

    A voided approval (back to draft) shows the buttons again so the director can re-approve.
    """
    keep_actions = view.state is SubmissionState.DRAFT or view.state is SubmissionState.REJECTED
    blocks = report_blocks(report, school_id=school_id, actions=keep_actions)
    blocks.insert(2, status_block(view))
    blocks.insert(
        3, ContextBlock(elements=[MarkdownTextObject(text=_("Submission #{id}", id=view.id))])
    )
    return {"text": submission_text(view), "blocks": [b.to_dict() for b in blocks]}
