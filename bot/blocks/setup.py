"""Small answers of the setup and attendance subcommands: which school, who directs it,
what a sync linked, who just checked in.

Every name goes through ``escape_mrkdwn``; user mentions are built only from IDs that
Slack itself sent (``<@U…>``), never from typed text.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block, ButtonElement, MarkdownTextObject, SectionBlock

from bot.blocks.limits import BUTTON_TEXT, MESSAGE_BLOCKS, SECTION_TEXT, clip
from bot.blocks.report import pack_lines
from bot.blocks.values import SuggestionRef
from bot.escape import escape_mrkdwn
from core.i18n import _, clock_hour, format_short_date, format_time, ngettext
from core.services.students import Suggestion, SyncResult

#: Names listed per group in a sync answer; the rest are counted. With the buttons below
#: the whole answer stays under Slack's ~12,000 characters a message.
MAX_SYNC_NAMES = 10
#: Near matches shown with a button in one sync answer; the next sync shows the rest.
MAX_REVIEW_BUTTONS = 8
#: Characters of one listed line (an ambiguous student names every child that fits).
SYNC_LINE = 250
#: The prefix of a near match's "Link" button (one action ID per button in a message).
CONFIRM_MATCH_ACTION = "sync_confirm_match"


def clock_time(instant: datetime, tz: ZoneInfo, *, today: date | None = None) -> str:
    """``8:02 AM`` in the school's zone (``8:02`` in Spanish); ``Nov 24, 8:02 AM`` when
    not today."""
    local = instant.astimezone(tz)
    time_text = format_time(local)
    if today is not None and local.date() != today:
        return _("{day}, {time}", day=format_short_date(local), time=time_text)
    return time_text


def checked_text(student: str, instant: datetime, tz: ZoneInfo, *, direction: str) -> str:
    """``Ava Smith checked in at 8:02 AM`` (``direction`` is "in" or "out")."""
    values = {"name": escape_mrkdwn(student), "time": clock_time(instant, tz)}
    hour = clock_hour(instant, tz)
    if direction == "in":
        return ngettext(
            "{name} checked in at {time}", "{name} checked in at {time}", hour, **values
        )
    return ngettext("{name} checked out at {time}", "{name} checked out at {time}", hour, **values)


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def school_status_text(*, current: str | None, schools: list[str]) -> str:
    """What ``/kindertrack school`` without a name answers."""
    if current is not None:
        head = _("This channel works on *{school}*.", school=escape_mrkdwn(current))
    else:
        head = _("This channel does not work on a school yet.")
    if not schools:
        return (
            head
            + "\n"
            + _(
                "This workspace has no school yet: `/kindertrack school NAME` creates one "
                "(you become its first director)."
            )
        )
    listed = ", ".join(escape_mrkdwn(name) for name in schools[:50])
    if len(schools) > 50:
        listed = _("{names} and {count} more", names=listed, count=len(schools) - 50)
    return (
        head
        + "\n"
        + _("Schools in this workspace: {names}.", names=listed)
        + "\n"
        + _("`/kindertrack school NAME` makes this channel work on NAME (creating it if new).")
    )


def school_created_text(name: str) -> str:
    return _(
        ":school: Created *{school}*. You are its first director, and this channel works on "
        "it.\nNext: `/kindertrack register PROVIDER_ID LINK_CODE` with the 5-digit provider ID "
        "from the KinderTrack portal and the link code your center's KinderTrack administrator "
        "gets by authorizing Rollcall there.",
        school=escape_mrkdwn(name),
    )


def school_bound_text(name: str) -> str:
    return _(":link: This channel now works on *{school}*.", school=escape_mrkdwn(name))


def directors_text(school: str, user_ids: list[str]) -> str:
    people = ", ".join(mention(u) for u in user_ids) or _("nobody")
    return _(
        "Directors of *{school}*: {people}.\n"
        "`/kindertrack directors add @someone` or `remove @someone` changes the list.",
        school=escape_mrkdwn(school),
        people=people,
    )


def director_added_text(school: str, user_id: str, *, added: bool) -> str:
    values = {"person": mention(user_id), "school": escape_mrkdwn(school)}
    if not added:
        return _("{person} already directs *{school}*.", **values)
    return _(
        ":white_check_mark: {person} is now a director of *{school}*: they can register, "
        "link children and approve submissions.",
        **values,
    )


def director_removed_text(school: str, user_id: str) -> str:
    return _(
        "{person} is no longer a director of *{school}*.",
        person=mention(user_id),
        school=escape_mrkdwn(school),
    )


def linked_text(student: str, child_id: str) -> str:
    return _(
        ":link: {name} is linked to KinderTrack child ID {child_id}: their attendance will "
        "be sent.",
        name=escape_mrkdwn(student),
        child_id=child_id,
    )


def closing_time_text(school: str, closing: time) -> str:
    return ngettext(
        "*{school}* closes at {time}: its directors get the day's attendance problems then "
        "(`/kindertrack closing HH:MM` changes it).",
        "*{school}* closes at {time}: its directors get the day's attendance problems then "
        "(`/kindertrack closing HH:MM` changes it).",
        clock_hour(closing),
        school=escape_mrkdwn(school),
        time=format_time(closing),
    )


def checking_provider_text(provider_id: str) -> str:
    return _("Checking provider ID {provider_id} with KinderTrack…", provider_id=provider_id)


def _names(lines: list[str]) -> list[str]:
    shown = [clip(line, SYNC_LINE) for line in lines[:MAX_SYNC_NAMES]]
    if len(lines) > MAX_SYNC_NAMES:
        shown.append(_("…and {count} more", count=len(lines) - MAX_SYNC_NAMES))
    return shown


def sync_message(school: str, result: SyncResult, *, school_id: int) -> dict[str, Any]:
    """The answer to ``/kindertrack sync``: linked; near matches, each with a button a
    director clicks to link it; ambiguous ones; unmatched both ways."""
    head = _(
        "*Synced {school} with KinderTrack's roster:* {linked} newly linked, {already} "
        "already linked, {ours} of our students not found on the roster, {theirs} roster "
        "children with no student here.",
        school=escape_mrkdwn(school),
        linked=len(result.linked),
        already=result.already_linked,
        ours=len(result.unmatched_students),
        theirs=len(result.unmatched_roster),
    )
    lines = [head]
    if result.linked:
        lines.append(_(":white_check_mark: *Linked*"))
        lines += _names([f"• {escape_mrkdwn(n)} ({cid})" for n, cid in result.linked])
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=t)) for t in pack_lines(lines)]
    shown = result.needs_review[:MAX_REVIEW_BUTTONS]
    if shown:
        blocks.append(
            _section(
                _(
                    ":mag: *Needs review*: close but not exact. Link each one that is the "
                    "same child:"
                )
            )
        )
        blocks += [_suggestion_block(school_id, index, s) for index, s in enumerate(shown)]
    rest: list[str] = []
    if len(result.needs_review) > len(shown):
        rest.append(
            _(
                "…and {count} more to review: run `/kindertrack sync` again after these.",
                count=len(result.needs_review) - len(shown),
            )
        )
    if result.ambiguous:
        rest.append(
            _(
                ":twisted_rightwards_arrows: *Ambiguous*: more than one fits, so nothing was "
                "linked (use `/kindertrack link STUDENT CHILD_ID`)"
            )
        )
        rest += _names(
            [
                f"• {escape_mrkdwn(name)}: "
                + ", ".join(f"{escape_mrkdwn(c.full_name)} ({c.child_id})" for c in children)
                for name, children in result.ambiguous
            ]
        )
    if result.unmatched_students:
        rest.append(
            _(
                ":warning: *Our students with no exact name match on KinderTrack's roster* "
                "(check the spelling, or `/kindertrack link STUDENT CHILD_ID`)"
            )
        )
        rest += _names([f"• {escape_mrkdwn(n)}" for n in result.unmatched_students])
    if result.unmatched_roster:
        rest.append(_(":grey_question: *KinderTrack children with no student of that name here*"))
        rest += _names(
            [f"• {escape_mrkdwn(c.full_name)} ({c.child_id})" for c in result.unmatched_roster]
        )
    blocks += [SectionBlock(text=MarkdownTextObject(text=t)) for t in pack_lines(rest)]
    summary = _(
        "Synced with KinderTrack: {linked} linked, {unmatched} unmatched",
        linked=len(result.linked),
        unmatched=len(result.unmatched_students) + len(result.unmatched_roster),
    )
    return {"text": clip(summary, 3000), "blocks": [b.to_dict() for b in blocks[:MESSAGE_BLOCKS]]}


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_TEXT)))


def _suggestion_block(school_id: int, index: int, suggestion: Suggestion) -> SectionBlock:
    child = suggestion.child
    return SectionBlock(
        text=MarkdownTextObject(
            text=clip(
                _(
                    "*{student}* here is *{child}* ({child_id}) on KinderTrack's roster?",
                    student=escape_mrkdwn(suggestion.student_name),
                    child=escape_mrkdwn(child.full_name),
                    child_id=child.child_id,
                ),
                SECTION_TEXT,
            )
        ),
        accessory=ButtonElement(
            text=clip(_("Link"), BUTTON_TEXT),
            action_id=f"{CONFIRM_MATCH_ACTION}_{index}",
            value=SuggestionRef(school_id, suggestion.student_id, child.child_id).encode(),
            style="primary",
        ),
    )
