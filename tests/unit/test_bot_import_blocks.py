"""The import modal and its result messages, against Slack's limits (bot/blocks/limits.py).

Refusals are written here the way ``core.services.imports.import_csv`` words them
("Nothing was imported: N bad rows (and M more). line 2: ...; line 3: ..."); the
integration tests feed the real ones through.
"""

from __future__ import annotations

import json
from typing import Any

from bot.blocks import imports
from bot.blocks.limits import MESSAGE_BLOCKS, SECTION_TEXT, view_violations, violations
from bot.blocks.modals import ModalMeta
from bot.escape import unescape_mrkdwn
from core.domain.names import MAX_NAME_LENGTH
from core.errors import ImportRefused, UnknownStudent
from core.messages import CORRECTED_CLAIM_CONTACT

MARKUP = "<!channel> *Bo*"
LONG_MARKUP = ("<!here>*_~`" * 20)[:MAX_NAME_LENGTH]


def _sections(message: dict[str, Any]) -> list[str]:
    texts = []
    for block in message["blocks"]:
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        if block["type"] == "context":
            texts += [e["text"] for e in block["elements"]]
    return texts


def _shown(message: dict[str, Any]) -> str:
    return unescape_mrkdwn("\n".join([message["text"], *_sections(message)]))


def _refusal(problems: list[tuple[int, str]]) -> tuple[str, list[tuple[int, str]]]:
    """What the worker gets from import_csv's refusal: its text and each bad row."""
    error = ImportRefused(problems)
    return str(error), error.problems


def _unknown(line: int, name: str) -> tuple[int, str]:
    return line, str(UnknownStudent(name))


# --- the modal ----------------------------------------------------------------------------


def test_modal_has_one_csv_file_input_and_stays_within_limits() -> None:
    view = imports.import_modal(LONG_MARKUP, "America/Chicago", ModalMeta(7, "C0SCHOOL"))
    data = view.to_dict()

    assert view_violations(data) == []
    assert data["callback_id"] == imports.IMPORT_CALLBACK
    [file_input] = [b for b in data["blocks"] if b.get("block_id") == imports.FILE_BLOCK]
    assert file_input["type"] == "input"
    assert file_input["element"]["type"] == "file_input"
    assert file_input["element"]["filetypes"] == ["csv"]
    assert file_input["element"]["max_files"] == 1
    assert ModalMeta.decode(data["private_metadata"]) == ModalMeta(7, "C0SCHOOL")
    assert "<!here>" not in json.dumps(data)
    assert "`student,check_in,check_out`" in json.dumps(data)


def test_submitted_files_and_the_tick_box_are_read_from_the_view_state() -> None:
    view = {
        "state": {
            "values": {
                imports.FILE_BLOCK: {
                    imports.FILE_ACTION: {
                        "type": "file_input",
                        "files": [{"id": "F0001", "name": "a.csv", "filetype": "csv"}],
                    }
                },
                imports.ADD_BLOCK: {
                    imports.ADD_ACTION: {
                        "type": "checkboxes",
                        "selected_options": [{"value": imports.ADD_VALUE}],
                    }
                },
            }
        }
    }

    assert imports.uploaded_file_ids(view) == ["F0001"]
    assert imports.add_students_ticked(view) is True
    assert imports.uploaded_file_ids({"state": {"values": {}}}) == []
    assert imports.add_students_ticked({}) is False


# --- the result ---------------------------------------------------------------------------


def test_done_message_counts_and_names_new_students_escaped() -> None:
    message = imports.import_done_message(
        MARKUP, added=3, duplicates=1, students_added=[MARKUP], channel_id="C0SCHOOL"
    )

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert "3 records added, 1 already there" in message["text"]
    assert "<!channel>" not in json.dumps(message)
    assert f"• {MARKUP}" in _shown(message)
    assert "<#C0SCHOOL>" in json.dumps(message)


def test_done_message_with_a_thousand_new_students_fits() -> None:
    names = [f"{LONG_MARKUP[:100]} {i}" for i in range(1000)]

    message = imports.import_done_message("School", added=1000, duplicates=0, students_added=names)

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert f"…and {1000 - imports.MAX_NAMES_SHOWN} more" in _shown(message)
    assert "<!here>" not in json.dumps(message)


def test_done_message_never_links_a_channel_id_it_does_not_recognise() -> None:
    message = imports.import_done_message(
        "School", added=1, duplicates=0, channel_id="C1|x> <!channel"
    )

    assert "<#" not in json.dumps(message)
    assert "the school's channel" in _shown(message)


def test_refusal_names_each_bad_row_escaped() -> None:
    refusal = _refusal([_unknown(2, MARKUP), (5, "expected 3 columns, found 2")])

    message = imports.import_refused_message("Sunny Days", *refusal, unknown_students=True)

    assert message["text"] == "Nothing was imported into Sunny Days: 2 bad rows."
    shown = _shown(message)
    assert f"• line 2: no student named '{MARKUP}'" in shown
    assert "• line 5: expected 3 columns, found 2" in shown
    assert "--add-students" not in shown
    assert "tick “Add students who are new” in /kindertrack import" in shown
    assert "<!channel>" not in json.dumps(message)


def test_refusal_of_a_thousand_long_rows_fits_and_counts_the_rest() -> None:
    rows = [_unknown(i + 2, f"{LONG_MARKUP} {i}") for i in range(1000)]

    message = imports.import_refused_message(LONG_MARKUP, *_refusal(rows), unknown_students=True)

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert all(len(t) <= SECTION_TEXT for t in _sections(message))
    shown = _shown(message)
    assert "1000 bad rows" in message["text"]
    assert "…and 980 more bad rows" in shown
    assert "line 21:" in shown and "line 22:" not in shown
    assert "<!here>" not in json.dumps(message)


def test_refusal_caps_the_rows_it_shows_though_it_is_given_all_of_them() -> None:
    rows = [_unknown(i + 2, f"Kid {i}") for i in range(1000)]

    message = imports.import_refused_message("School", *_refusal(rows))

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    shown = _shown(message)
    assert f"line {imports.MAX_ROWS_SHOWN + 1}:" in shown
    assert f"line {imports.MAX_ROWS_SHOWN + 2}:" not in shown
    assert f"…and {1000 - imports.MAX_ROWS_SHOWN} more bad rows" in shown


def test_refusal_in_a_submitted_period_gives_the_contact_once() -> None:
    locked = (
        "Attendance for the pay period 2026-11-08 to 2026-11-21 was already submitted to "
        f"KinderTrack and can no longer be edited. {CORRECTED_CLAIM_CONTACT}"
    )
    rows = [(i, locked) for i in range(2, 22)]

    message = imports.import_refused_message("School", *_refusal(rows))

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    shown = _shown(message)
    assert shown.count(CORRECTED_CLAIM_CONTACT) == 1
    assert shown.count("was already submitted to KinderTrack") == 20
    assert "866-448-4605" in shown


def test_refusal_of_the_whole_file_says_why_in_one_section() -> None:
    reason = "Nothing was imported: the file is not UTF-8 text. Save it as 'CSV UTF-8'."

    message = imports.import_refused_message(MARKUP, reason)

    assert [b["type"] for b in message["blocks"]] == ["section"]
    assert "the file is not UTF-8 text" in message["text"]
    assert "<!channel>" not in json.dumps(message)
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
