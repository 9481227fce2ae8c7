"""Block Kit of the setup flows: the register and link modals, and the small answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import modals
from bot.blocks.limits import MESSAGE_BLOCKS, view_violations, violations
from bot.blocks.modals import ModalMeta
from bot.blocks.setup import (
    MAX_REVIEW_BUTTONS,
    MAX_SYNC_NAMES,
    checked_text,
    clock_time,
    school_status_text,
    sync_message,
)
from bot.blocks.values import SuggestionRef
from bot.escape import unescape_mrkdwn
from core.errors import InvalidInput
from core.ports import RosterChild
from core.services.students import Suggestion, SyncResult

CHICAGO = ZoneInfo("America/Chicago")
META = ModalMeta(7, "C0SCHOOL", "https://hooks.slack.com/commands/T/1/x")


def test_modal_meta_round_trips_and_refuses_garbage() -> None:
    assert ModalMeta.decode(META.encode()) == META
    assert ModalMeta.decode(ModalMeta(3).encode()) == ModalMeta(3, None, None)
    with pytest.raises(InvalidInput, match="out of date"):
        ModalMeta.decode("{not json")
    with pytest.raises(InvalidInput):
        ModalMeta.decode('{"c": "C1"}')


def test_register_modal_offers_iowa_kindertrack_only() -> None:
    view = modals.register_modal("<!channel> *Sunny*", META).to_dict()

    assert view_violations(view) == []
    assert view["callback_id"] == modals.REGISTER_CALLBACK
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    agency = blocks[modals.AGENCY_BLOCK]["element"]
    assert [(o["value"], o["text"]["text"]) for o in agency["options"]] == [
        (modals.AGENCY_KINDERTRACK, "IA - KinderTrack")
    ]
    assert blocks[modals.USERNAME_BLOCK]["optional"] is True
    intro = view["blocks"][0]["text"]["text"]
    assert "<!channel>" not in intro and "&lt;!channel&gt;" in intro


def roster(n: int) -> list[RosterChild]:
    return [RosterChild(f"{100000 + i}", f"First{i:03d}", "Last" + "x" * 90) for i in range(n)]


def test_link_modal_keeps_each_select_within_100_options_and_75_characters() -> None:
    students = [(i, f"Student {i:03d} " + "y" * 100) for i in range(1, 151)]

    view = modals.link_modal(
        "Sunny", META, roster=roster(150), students=students, selected_student=150
    ).to_dict()

    assert view_violations(view) == []
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks[modals.CHILD_BLOCK]["element"]["type"] == "external_select"
    student_element = blocks[modals.STUDENT_BLOCK]["element"]
    assert len(student_element["options"]) == 100
    # the preselected student is offered (first) even beyond the first 100
    assert student_element["initial_option"]["value"] == "150"
    assert student_element["options"][0]["value"] == "150"
    assert "Showing 100 of 150 students" in str(view)


def test_roster_options_put_the_child_id_first_and_match_without_accents() -> None:
    children = [*roster(150), RosterChild("654321", "Zoë", "Ångström-" + "ñ" * 80)]

    assert len(modals.roster_options(children, "")) == 100
    [zoe] = [o.to_dict() for o in modals.roster_options(children, "ZOE angstrom")]
    assert zoe["value"] == "654321"
    assert zoe["text"]["text"].startswith("654321 · Zoë Ångström-ñ")
    assert len(zoe["text"]["text"]) == 75
    assert [o.value for o in modals.roster_options(children, "1001")] == [
        f"{100100 + i}" for i in range(50)
    ]


def test_link_modal_without_a_preselected_student_has_no_initial_option() -> None:
    view = modals.link_modal("Sunny", META, roster=roster(2), students=[(1, "Ava Smith")]).to_dict()

    student = next(b for b in view["blocks"] if b.get("block_id") == modals.STUDENT_BLOCK)
    assert "initial_option" not in student["element"]
    assert ModalMeta.decode(view["private_metadata"]) == META


def test_reading_submitted_values() -> None:
    values = {
        "b": {
            "sel": {"type": "static_select", "selected_option": {"value": "123456"}},
            "none": {"type": "static_select", "selected_option": None},
            "txt": {"type": "plain_text_input", "value": " 12345 "},
        }
    }

    assert modals.selected(values, "b", "sel") == "123456"
    assert modals.selected(values, "b", "none") is None
    assert modals.selected(values, "missing", "sel") is None
    assert modals.typed(values, "b", "txt") == " 12345 "
    assert modals.typed(values, "b", "missing") is None


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2026, 11, 25, 14, 2, tzinfo=UTC), "8:02 AM"),
        (datetime(2026, 7, 1, 13, 2, tzinfo=UTC), "8:02 AM"),  # daylight saving time
        (datetime(2026, 11, 25, 23, 45, tzinfo=UTC), "5:45 PM"),
    ],
)
def test_clock_time_is_local(instant: datetime, expected: str) -> None:
    assert clock_time(instant, CHICAGO) == expected


def test_clock_time_names_another_day() -> None:
    instant = datetime(2026, 11, 24, 14, 2, tzinfo=UTC)

    assert clock_time(instant, CHICAGO, today=date(2026, 11, 25)) == "Nov 24, 8:02 AM"
    assert clock_time(instant, CHICAGO, today=date(2026, 11, 24)) == "8:02 AM"


def test_checked_text_escapes_the_name() -> None:
    text = checked_text(
        "<@U123> *Ava*", datetime(2026, 11, 25, 14, 2, tzinfo=UTC), CHICAGO, direction="in"
    )

    assert "<@U123>" not in text
    assert unescape_mrkdwn(text) == "<@U123> *Ava* checked in at 8:02 AM"


def test_school_status_lists_schools_escaped() -> None:
    text = school_status_text(current=None, schools=["<!here>", "Sunny"])

    assert "does not work on a school yet" in text
    assert "&lt;!here&gt;, Sunny" in text


def test_sync_message_stays_within_limits_with_huge_lists() -> None:
    result = SyncResult(
        linked=[(f"<!channel> Kid {i} " + "z" * 100, f"{100000 + i}") for i in range(300)],
        already_linked=4,
        needs_review=[
            Suggestion(i, "<!here> Near " + "n" * 110, child) for i, child in enumerate(roster(300))
        ],
        ambiguous=[(f"Twin {i} " + "t" * 100, roster(3)) for i in range(300)],
        unmatched_students=[f"Student {i} " + "q" * 100 for i in range(300)],
        unmatched_roster=roster(300),
    )

    message = sync_message("Sunny", result, school_id=1)

    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    assert len(json.dumps(message, ensure_ascii=False)) < 12_000
    shown = "\n".join(b["text"]["text"] for b in message["blocks"])
    assert "300 newly linked, 4 already linked" in shown
    assert f"…and {300 - MAX_SYNC_NAMES} more" in shown
    assert "<!channel>" not in shown and "<!here>" not in shown
    buttons = [b["accessory"] for b in message["blocks"] if "accessory" in b]
    assert len(buttons) == MAX_REVIEW_BUTTONS
    assert len({b["action_id"] for b in buttons}) == MAX_REVIEW_BUTTONS
    assert SuggestionRef.decode(buttons[3]["value"]) == SuggestionRef(1, 3, roster(300)[3].child_id)
    assert f"…and {300 - MAX_REVIEW_BUTTONS} more to review" in shown
