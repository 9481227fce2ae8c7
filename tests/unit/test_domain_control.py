"""Control characters (core/domain/control.py): found, named, and refused."""

from __future__ import annotations

import pytest

from core.domain.control import (
    LINE_BREAKS,
    describe,
    first_control_character,
    refuse_control_characters,
)
from core.errors import InvalidInput


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Ava Smith", None),
        ("José Núñez 2026-11-09T08:00-06:00", None),
        ("a\x00b", "\x00"),
        ("\x1f", "\x1f"),
        ("x\x7f", "\x7f"),
        ("two\nlines", "\n"),
        ("\u200bzero width", None),  # a format character (Cf), not a control: names check it
    ],
)
def test_first_control_character(text: str, found: str | None) -> None:
    assert first_control_character(text) == found


def test_line_breaks_may_be_allowed() -> None:
    assert first_control_character("a\r\n\tb", allow=LINE_BREAKS) is None
    assert first_control_character("a\n\x00", allow=LINE_BREAKS) == "\x00"


def test_a_refusal_names_the_field_and_the_character() -> None:
    assert describe("\x00") == "U+0000 (NUL)" and describe("\x1f") == "U+001F"
    assert refuse_control_characters("fine", what="time") == "fine"
    with pytest.raises(
        InvalidInput, match=r"^The check-in time contains a control character, U\+0000 \(NUL\)\.$"
    ):
        refuse_control_characters("08:00\x00", what="check-in time")
