"""The CSV import modal and the result a director gets once a worker has imported the file.

The modal asks for one ``.csv`` through a ``file_input`` (Slack stores the upload and puts
its file object in the submitted view's ``state.values``); its ``private_metadata`` is a
:class:`bot.blocks.modals.ModalMeta` (the school's ID and the channel), never a name.

The result names every bad row the import refused, escaped (the rows quote children's
names and what the director typed), packed into as few sections as Slack's 3,000
characters allow and capped well under 50 blocks: past :data:`MAX_ROWS_SHOWN` rows only
a count is shown. The corrected-claim contact, which the import repeats on each row of a
submitted period, is shown once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
)
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.blocks.limits import MESSAGE_BLOCKS, MESSAGE_TEXT, SECTION_TEXT, VIEW_TITLE, clip
from bot.blocks.modals import ModalMeta
from bot.blocks.report import pack_lines
from bot.escape import escape_mrkdwn
from bot.files import MAX_CSV_BYTES
from core.i18n import N_, _, format_zone, ngettext
from core.messages import CORRECTED_CLAIM_CONTACT

IMPORT_CALLBACK = "attendance_import"
FILE_BLOCK = "import_file"
FILE_ACTION = "file"
ADD_BLOCK = "import_add_students"
ADD_ACTION = "add_students"
ADD_VALUE = "add"

#: Bad rows listed in a refusal; the rest are counted.
MAX_ROWS_SHOWN = 20
#: New students named in a result; the rest are counted.
MAX_NAMES_SHOWN = 40

_NOTHING = N_("Nothing was imported: ")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
ADD_STUDENTS_HINT = N_(
    "Students Rollcall does not know yet: add them first, or tick “Add students who are new” "
    "in /kindertrack import."
)
"""Slack's way to add the students a refused file names (the command line has its own)."""


def import_modal(school: str, timezone: str, meta: ModalMeta) -> View:
    """One CSV file (``file_input``: csv only, one file), the expected format, and whether
    students the file names but Rollcall lacks may be added."""
    add = Option(value=ADD_VALUE, label=_("Add students who are new (names not in Rollcall yet)"))
    return View(
        type="modal",
        callback_id=IMPORT_CALLBACK,
        title=clip(_("Import attendance"), VIEW_TITLE),
        submit=_("Import"),
        close=_("Cancel"),
        private_metadata=meta.encode(),
        blocks=[
            SectionBlock(
                text=MarkdownTextObject(
                    text=_(
                        "Import check-ins and check-outs into *{school}* from a CSV file. It is "
                        "all or nothing: one bad row and nothing is saved, with every bad row "
                        "named. Rows already imported are not added twice.",
                        school=escape_mrkdwn(school),
                    )
                )
            ),
            SectionBlock(
                text=MarkdownTextObject(
                    text=_(
                        "*The first line must be* `student,check_in,check_out`\n"
                        "• Write each check-in and check-out as a date and a time, the way "
                        "your spreadsheet shows them: `11/09/2026 8:00 AM` or "
                        "`2026-11-09 08:00`. Times are the center's clock ({timezone}).\n"
                        "• Leave `check_out` empty for a child still in care today.\n"
                        "• A day away: leave both times empty, put the date in `check_in`, "
                        "and `absent`, `holiday` or `closed` in an `absence` column.\n"
                        "• Save from your spreadsheet as *CSV UTF-8*; up to {megabytes} MB.",
                        timezone=escape_mrkdwn(format_zone(timezone)),
                        megabytes=MAX_CSV_BYTES // 1_000_000,
                    )
                )
            ),
            InputBlock(
                block_id=FILE_BLOCK,
                label=_("CSV file"),
                element=FileInputElement(action_id=FILE_ACTION, filetypes=["csv"], max_files=1),
            ),
            InputBlock(
                block_id=ADD_BLOCK,
                label=_("Students"),
                optional=True,
                element=CheckboxesElement(action_id=ADD_ACTION, options=[add]),
            ),
        ],
    )


def uploaded_file_ids(view: dict[str, Any]) -> list[str]:
    """The IDs of the files in the submitted view's file_input (Slack sends each file's
    object under ``state.values[block][action]["files"]``)."""
    values = (view.get("state") or {}).get("values") or {}
    files = ((values.get(FILE_BLOCK) or {}).get(FILE_ACTION) or {}).get("files") or []
    return [str(f["id"]) for f in files if isinstance(f, dict) and f.get("id")]


def add_students_ticked(view: dict[str, Any]) -> bool:
    values = (view.get("state") or {}).get("values") or {}
    picked = ((values.get(ADD_BLOCK) or {}).get(ADD_ACTION) or {}).get("selected_options") or []
    return any(isinstance(o, dict) and o.get("value") == ADD_VALUE for o in picked)


# --- the result ---------------------------------------------------------------------------


def _sections(lines: list[str], *, room: int) -> list[Block]:
    return [SectionBlock(text=MarkdownTextObject(text=t)) for t in pack_lines(lines)[:room]]


def _channel(channel_id: str | None) -> str:
    """A link to the channel the import came from (only an ID shaped like Slack's)."""
    if channel_id and _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return _("the school's channel")


def _message(text: str, blocks: list[Block]) -> dict[str, Any]:
    return {"text": clip(text, MESSAGE_TEXT), "blocks": [b.to_dict() for b in blocks]}


def import_done_message(
    school: str,
    *,
    added: int,
    duplicates: int,
    students_added: Sequence[str] = (),
    channel_id: str | None = None,
) -> dict[str, Any]:
    """What was imported: records added, rows already there, students added."""
    name = escape_mrkdwn(school)
    counts = ngettext(
        "{n} record added, {duplicates} already there",
        "{n} records added, {duplicates} already there",
        added,
        duplicates=duplicates,
    )
    head = _(":white_check_mark: *Imported into {school}:* {counts}.", school=name, counts=counts)
    if added == 0 and duplicates:
        head += " " + _("Nothing was new: every row of this file was imported before.")
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=clip(head, SECTION_TEXT)))]
    if students_added:
        lines = [
            ngettext(
                "*{n} new student* (link them to KinderTrack with /kindertrack sync or "
                "/kindertrack link):",
                "*{n} new students* (link them to KinderTrack with /kindertrack sync or "
                "/kindertrack link):",
                len(students_added),
            )
        ]
        lines += [f"• {escape_mrkdwn(n)}" for n in students_added[:MAX_NAMES_SHOWN]]
        if len(students_added) > MAX_NAMES_SHOWN:
            lines.append(_("…and {count} more", count=len(students_added) - MAX_NAMES_SHOWN))
        blocks += _sections(lines, room=MESSAGE_BLOCKS - 2)
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=_(
                        "Next: `/kindertrack report` in {channel} previews the pay period with "
                        "these records.",
                        channel=_channel(channel_id),
                    )
                )
            ]
        )
    )
    return _message(_("Imported into {school}: {counts}.", school=name, counts=counts), blocks)


def _row_lines(problems: Sequence[tuple[int, str]]) -> tuple[list[str], bool]:
    """Each bad row's text, and whether any carried the corrected-claim contact (which is
    taken out of the rows to be shown once)."""
    lines = []
    contact = False
    for line, why in problems:
        if CORRECTED_CLAIM_CONTACT in why:
            contact = True
            why = why.replace(CORRECTED_CLAIM_CONTACT, "").strip()
        lines.append(_("line {line}: {why}", line=line, why=why))
    return lines, contact


def import_refused_message(
    school: str,
    reason: str,
    problems: Sequence[tuple[int, str]] = (),
    *,
    unknown_students: bool = False,
) -> dict[str, Any]:
    """Why nothing was imported: each bad row of ``problems`` (the first
    :data:`MAX_ROWS_SHOWN`, then a count) with the corrected-claim contact once, or the one
    ``reason`` the file was refused."""
    name = escape_mrkdwn(school)
    if not problems:
        text = _(
            "Nothing was imported into {school}: {why}",
            school=name,
            why=escape_mrkdwn(reason.removeprefix(_(_NOTHING))),
        )
        return _message(
            text,
            [SectionBlock(text=MarkdownTextObject(text=f":x: {clip(text, SECTION_TEXT - 4)}"))],
        )
    total = len(problems)
    rows, contact = _row_lines(problems)
    shown = rows[:MAX_ROWS_SHOWN]
    summary = ngettext(
        "Nothing was imported into {school}: {n} bad row.",
        "Nothing was imported into {school}: {n} bad rows.",
        total,
        school=name,
    )
    fix = ngettext(
        "Fix it in the file and import the whole file again: none of its rows were saved.",
        "Fix them in the file and import the whole file again: none of its rows were saved.",
        total,
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=f":x: *{summary}* {fix}"))]
    blocks += _sections([f"• {escape_mrkdwn(r)}" for r in shown], room=MESSAGE_BLOCKS - 4)
    if total > len(shown):
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=ngettext(
                            "…and {n} more bad row: fix these and import again to see it.",
                            "…and {n} more bad rows: fix these and import again to see them.",
                            total - len(shown),
                        )
                    )
                ]
            )
        )
    if unknown_students:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=_(ADD_STUDENTS_HINT))]))
    if contact:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=CORRECTED_CLAIM_CONTACT)))
    return _message(summary, blocks)
