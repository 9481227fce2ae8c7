"""Small answers of the setup and attendance subcommands: which school, who directs it,
what a sync linked, who just checked in.

Every name goes through ``escape_mrkdwn``; user mentions are built only from IDs that
Slack itself sent (``<@U…>``), never from typed text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.blocks.limits import MESSAGE_BLOCKS, clip
from bot.blocks.report import pack_lines
from bot.escape import escape_mrkdwn
from core.services.students import SyncResult

#: Names listed per group in a sync answer; the rest are counted.
MAX_SYNC_NAMES = 40


def clock_time(instant: datetime, tz: ZoneInfo, *, today: date | None = None) -> str:
    """``8:02 AM`` in the school's zone; ``Nov 24, 8:02 AM`` when not today."""
    local = instant.astimezone(tz)
    time_text = f"{local:%-I:%M %p}"
    if today is not None and local.date() != today:
        return f"{local:%b %-d}, {time_text}"
    return time_text


def checked_text(student: str, instant: datetime, tz: ZoneInfo, *, direction: str) -> str:
    """``Ava Smith checked in at 8:02 AM`` (``direction`` is "in" or "out")."""
    return f"{escape_mrkdwn(student)} checked {direction} at {clock_time(instant, tz)}"


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def school_status_text(*, current: str | None, schools: list[str]) -> str:
    """What ``/kindertrack school`` without a name answers."""
    if current is not None:
        head = f"This channel works on *{escape_mrkdwn(current)}*."
    else:
        head = "This channel does not work on a school yet."
    if not schools:
        return (
            f"{head}\nThis workspace has no school yet: `/kindertrack school NAME` creates one "
            "(you become its first director)."
        )
    listed = ", ".join(escape_mrkdwn(name) for name in schools[:50])
    more = f" and {len(schools) - 50} more" if len(schools) > 50 else ""
    return (
        f"{head}\nSchools in this workspace: {listed}{more}.\n"
        "`/kindertrack school NAME` makes this channel work on NAME (creating it if new)."
    )


def school_created_text(name: str) -> str:
    return (
        f":school: Created *{escape_mrkdwn(name)}*. You are its first director, and this "
        "channel works on it.\nNext: `/kindertrack register PROVIDER_ID` with the 5-digit "
        "provider ID from the KinderTrack portal."
    )


def school_bound_text(name: str) -> str:
    return f":link: This channel now works on *{escape_mrkdwn(name)}*."


def directors_text(school: str, user_ids: list[str]) -> str:
    people = ", ".join(mention(u) for u in user_ids) or "nobody"
    return (
        f"Directors of *{escape_mrkdwn(school)}*: {people}.\n"
        "`/kindertrack directors add @someone` or `remove @someone` changes the list."
    )


def director_added_text(school: str, user_id: str, *, added: bool) -> str:
    if not added:
        return f"{mention(user_id)} already directs *{escape_mrkdwn(school)}*."
    return (
        f":white_check_mark: {mention(user_id)} is now a director of *{escape_mrkdwn(school)}*: "
        "they can register, link children and approve submissions."
    )


def director_removed_text(school: str, user_id: str) -> str:
    return f"{mention(user_id)} is no longer a director of *{escape_mrkdwn(school)}*."


def linked_text(student: str, child_id: str) -> str:
    return (
        f":link: {escape_mrkdwn(student)} is linked to KinderTrack child ID {child_id}: "
        "their attendance will be sent."
    )


def checking_provider_text(provider_id: str) -> str:
    return f"Checking provider ID {provider_id} with KinderTrack…"


def _names(lines: list[str]) -> list[str]:
    shown = lines[:MAX_SYNC_NAMES]
    if len(lines) > MAX_SYNC_NAMES:
        shown.append(f"…and {len(lines) - MAX_SYNC_NAMES} more")
    return shown


def sync_message(school: str, result: SyncResult) -> dict[str, Any]:
    """The answer to ``/kindertrack sync``: linked, and unmatched both ways."""
    head = (
        f"*Synced {escape_mrkdwn(school)} with KinderTrack's roster:* "
        f"{len(result.linked)} newly linked, {result.already_linked} already linked, "
        f"{len(result.unmatched_students)} of our students not found on the roster, "
        f"{len(result.unmatched_roster)} roster children with no student here."
    )
    lines = [head]
    if result.linked:
        lines.append(":white_check_mark: *Linked*")
        lines += _names([f"• {escape_mrkdwn(n)} ({cid})" for n, cid in result.linked])
    if result.unmatched_students:
        lines.append(
            ":warning: *Our students with no exact name match on KinderTrack's roster* "
            "(check the spelling, or `/kindertrack link STUDENT CHILD_ID`)"
        )
        lines += _names([f"• {escape_mrkdwn(n)}" for n in result.unmatched_students])
    if result.unmatched_roster:
        lines.append(":grey_question: *KinderTrack children with no student of that name here*")
        lines += _names(
            [f"• {escape_mrkdwn(c.full_name)} ({c.child_id})" for c in result.unmatched_roster]
        )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text))
        for text in pack_lines(lines)[:MESSAGE_BLOCKS]
    ]
    summary = (
        f"Synced with KinderTrack: {len(result.linked)} linked, "
        f"{len(result.unmatched_students) + len(result.unmatched_roster)} unmatched"
    )
    return {"text": clip(summary, 3000), "blocks": [b.to_dict() for b in blocks]}
