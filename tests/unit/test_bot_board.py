"""The roll-call board's Block Kit: buttons by state, paging, and Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.blocks import board
from bot.blocks.board import PAGE_SIZE, BoardRef, board_message, page_count
from bot.blocks.limits import MESSAGE_BLOCKS, violations
from core.errors import InvalidInput
from core.services.board import RollCallEntry

CHICAGO = ZoneInfo("America/Chicago")
NOW = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)


def entries(n: int, *, present: frozenset[int] = frozenset()) -> list[RollCallEntry]:
    return [
        RollCallEntry(
            i + 1,
            f"Child {i:03d} " + "Longname" * 12,
            datetime(2026, 11, 25, 14, 2, tzinfo=UTC) if i in present else None,
        )
        for i in range(n)
    ]


def sections(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in message["blocks"] if b["type"] == "section" and "accessory" in b]


def test_a_child_out_gets_in_and_a_child_in_gets_out_with_the_time() -> None:
    message = board_message(
        "Sunny",
        7,
        [RollCallEntry(1, "Ava", None), RollCallEntry(2, "Liam", NOW)],
        tz=CHICAGO,
        now=NOW,
    )

    ava, liam = sections(message)
    assert ava["accessory"]["text"]["text"] == "In"
    assert ava["accessory"]["action_id"] == f"{board.IN_ACTION}_1"
    assert liam["accessory"]["text"]["text"] == "Out"
    assert liam["accessory"]["action_id"] == f"{board.OUT_ACTION}_2"
    assert "in since 12:00 PM" in liam["text"]["text"]
    assert BoardRef.decode(liam["accessory"]["value"]) == BoardRef(7, 2, 0)
    assert "*1* of 2 children checked in" in str(message["blocks"])


def test_a_stay_begun_yesterday_shows_its_date() -> None:
    yesterday = datetime(2026, 11, 24, 14, 2, tzinfo=UTC)

    message = board_message("Sunny", 7, [RollCallEntry(1, "Ava", yesterday)], tz=CHICAGO, now=NOW)

    assert "in since Nov 24, 8:02 AM" in str(message["blocks"])


@pytest.mark.parametrize("page", range(8))
def test_300_children_page_within_slacks_limits(page: int) -> None:
    message = board_message(
        "Sunny", 7, entries(300, present=frozenset({0, 299})), tz=CHICAGO, now=NOW, page=page
    )

    assert len(message["blocks"]) <= MESSAGE_BLOCKS
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []
    shown = sections(message)
    assert len(shown) == (PAGE_SIZE if page < 7 else 300 - 7 * PAGE_SIZE)
    assert {BoardRef.decode(s["accessory"]["value"]).page for s in shown} == {page}
    assert f"page {page + 1} of 8" in str(message["blocks"])
    nav = [b for b in message["blocks"] if b["type"] == "actions"][-1]
    ids = [e["action_id"] for e in nav["elements"]]
    assert (f"{board.PAGE_ACTION}_prev" in ids) == (page > 0)
    assert (f"{board.PAGE_ACTION}_next" in ids) == (page < 7)
    assert board.REFRESH_ACTION in ids


def test_a_page_out_of_range_shows_the_last_page() -> None:
    message = board_message("Sunny", 7, entries(45), tz=CHICAGO, now=NOW, page=99)

    assert len(sections(message)) == 5
    assert page_count(45) == 2
    assert page_count(0) == 1


def test_an_empty_school_says_how_to_add_students() -> None:
    message = board_message("Sunny", 7, [], tz=CHICAGO, now=NOW)

    assert "No students yet" in str(message["blocks"])
    assert violations(message["blocks"], max_blocks=MESSAGE_BLOCKS) == []


def test_names_are_escaped_in_mrkdwn_and_plain_in_the_header() -> None:
    message = board_message(
        "<!channel> School", 7, [RollCallEntry(1, "<@U1> *Ava*", None)], tz=CHICAGO, now=NOW
    )

    [child] = sections(message)
    assert "<@U1>" not in child["text"]["text"]
    assert "&lt;@U1&gt;" in child["text"]["text"]
    assert "<!channel>" not in str(message["text"])
    header = message["blocks"][0]
    assert header["text"]["type"] == "plain_text"


@pytest.mark.parametrize("value", ["", "{}", "[1]", '{"s": "x"}', "nope"])
def test_a_forged_board_value_is_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="out of date"):
        BoardRef.decode(value)
