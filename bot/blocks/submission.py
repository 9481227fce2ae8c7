"""What the report message becomes once approved: submitting, submitted, or refused."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.report import report_blocks
from bot.escape import escape_mrkdwn
from core.domain.report import SubsidyReport
from core.domain.submission import SubmissionState
from core.messages import ALREADY_SUBMITTED, CORRECTED_CLAIM_CONTACT
from core.services.submissions import SubmissionView


def who(user: str) -> str:
    """A Slack user mention when it is a Slack ID, else the plain (escaped) actor."""
    if user and user[0] in "UW" and user.isalnum():
        return f"<@{user}>"
    return escape_mrkdwn(user or "someone")


def status_block(view: SubmissionView) -> Block:
    state = view.state
    if state in (SubmissionState.APPROVED, SubmissionState.SUBMITTING):
        text = (
            f":hourglass_flowing_sand: *Submitting…* approved by {who(view.approved_by)}. "
            "This message updates when KinderTrack answers."
        )
        if view.error:
            text += f"\n_{escape_mrkdwn(view.error)}_"
    elif state is SubmissionState.SUBMITTED:
        text = (
            f":white_check_mark: *Submitted to KinderTrack* — confirmation "
            f"`{view.kindertrack_submission_id}`, {view.record_count} records, approved by "
            f"{who(view.approved_by)}. Submitted attendance can no longer be edited."
        ) + refusals_text(view)
    elif state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        text = f":warning: *Not sent by Rollcall:* {escape_mrkdwn(view.error or '')}"
    elif state is SubmissionState.REJECTED:
        error = view.error or "KinderTrack refused the submission."
        text = f":x: *KinderTrack refused the submission:* {escape_mrkdwn(error)}"
        if ALREADY_SUBMITTED in error and CORRECTED_CLAIM_CONTACT not in error:
            text += f"\n{CORRECTED_CLAIM_CONTACT}"
    else:
        text = f":leftwards_arrow_with_hook: {escape_mrkdwn(view.error or 'Approval withdrawn.')}"
    return SectionBlock(text=MarkdownTextObject(text=text))


MAX_REFUSALS_SHOWN = 10


def refusals_text(view: SubmissionView) -> str:
    """KinderTrack's per-child refusals (unpaid care), as lines to append; "" when none."""
    if not view.refused:
        return ""
    lines = [
        f"\n:warning: *KinderTrack accepted {view.accepted} records and refused "
        f"{len(view.refused)} child{'ren' if len(view.refused) != 1 else ''}'s:*"
    ]
    lines += [
        f"• child {escape_mrkdwn(child)}: {escape_mrkdwn(reason)}"
        for child, reason in view.refused[:MAX_REFUSALS_SHOWN]
    ]
    if len(view.refused) > MAX_REFUSALS_SHOWN:
        lines.append(f"…and {len(view.refused) - MAX_REFUSALS_SHOWN} more")
    lines.append(CORRECTED_CLAIM_CONTACT)
    return "\n".join(lines)


def submission_text(view: SubmissionView) -> str:
    if view.state is SubmissionState.SUBMITTED:
        return f"Submitted to KinderTrack: confirmation {view.kindertrack_submission_id}"
    if view.state is SubmissionState.REJECTED and view.held_elsewhere_id is not None:
        return f"Not sent by Rollcall: {view.error}"
    if view.state is SubmissionState.REJECTED:
        return f"KinderTrack refused the submission: {view.error}"
    if view.state is SubmissionState.DRAFT:
        return view.error or "Approval withdrawn."
    return "Submitting to KinderTrack…"


def submission_message(
    report: SubsidyReport, view: SubmissionView, *, school_id: int
) -> dict[str, Any]:
    """The report without its buttons (nobody clicks twice), topped by the submission state.

    A voided approval (back to draft) shows the buttons again so the director can re-approve.
    """
    keep_actions = view.state is SubmissionState.DRAFT or view.state is SubmissionState.REJECTED
    blocks = report_blocks(report, school_id=school_id, actions=keep_actions)
    blocks.insert(2, status_block(view))
    blocks.insert(3, ContextBlock(elements=[MarkdownTextObject(text=f"Submission #{view.id}")]))
    return {"text": submission_text(view), "blocks": [b.to_dict() for b in blocks]}
