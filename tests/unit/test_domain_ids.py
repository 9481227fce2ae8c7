"""KinderTrack IDs (docs/DOMAIN.md): 5 ASCII digits for a provider, 6 for a child."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.domain.ids import parse_child_id, parse_provider_id
from core.errors import InvalidInput, RollcallError
from tests.unit.strategies import FAST, ascii_digit_strings, whitespace

PROVIDER_HINT = "a KinderTrack provider ID is exactly 5 digits 0-9, like 12345."
CHILD_HINT = "a KinderTrack child ID is exactly 6 digits 0-9, like 123456."


# --- accepted ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["12345", "00000", "99999", "01234"])
def test_a_five_digit_provider_id_is_accepted_as_typed(raw: str) -> None:
    # When a director types five ASCII digits
    parsed = parse_provider_id(raw)
    # Then the ID is kept exactly, leading zeros included
    assert parsed == raw


@pytest.mark.parametrize("raw", ["123456", "000000", "012345"])
def test_a_six_digit_child_id_is_accepted_as_typed(raw: str) -> None:
    assert parse_child_id(raw) == raw


@pytest.mark.parametrize(
    "raw",
    ["  12345", "12345  ", "\t12345\n", "\u00a012345\u3000", "\r\n 12345 \r\n"],
)
def test_surrounding_whitespace_around_a_provider_id_is_stripped(raw: str) -> None:
    # Given an ID pasted with spaces, tabs, newlines or non-breaking spaces around it
    # Then only the digits are kept
    assert parse_provider_id(raw) == "12345"


def test_surrounding_whitespace_around_a_child_id_is_stripped() -> None:
    assert parse_child_id("  123456\n") == "123456"


# --- refused ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("１２３４５", "uses digits other than 0-9"),  # full-width
        ("١٢٣٤٥", "uses digits other than 0-9"),  # Arabic-Indic
        ("۱۲۳۴۵", "uses digits other than 0-9"),  # Extended Arabic-Indic (Persian)
        ("१२३४५", "uses digits other than 0-9"),  # Devanagari
        ("1234５", "uses digits other than 0-9"),  # one full-width digit among ASCII
        ("12 345", "contains characters other than the digits 0-9"),
        ("12-345", "contains characters other than the digits 0-9"),
        ("+12345", "contains characters other than the digits 0-9"),
        ("-12345", "contains characters other than the digits 0-9"),
        ("+1234", "contains characters other than the digits 0-9"),
        ("1234a", "contains characters other than the digits 0-9"),
        ("12.34", "contains characters other than the digits 0-9"),
        ("1_234", "contains characters other than the digits 0-9"),
        ("1234", "has 4 digits"),
        ("123456", "has 6 digits"),
        ("1", "has 1 digit:"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("\n\t", "is empty"),
    ],
)
def test_a_bad_provider_id_is_refused_with_the_reason_and_what_a_valid_one_looks_like(
    raw: str, reason: str
) -> None:
    # When a director types something that is not five ASCII digits
    with pytest.raises(InvalidInput) as refused:
        parse_provider_id(raw)
    # Then the refusal names the problem and shows what a valid ID looks like
    message = str(refused.value)
    assert reason in message
    assert message.endswith(PROVIDER_HINT)
    assert "\n" not in message


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("１２３４５６", "uses digits other than 0-9"),
        ("١٢٣٤٥٦", "uses digits other than 0-9"),
        ("123 456", "contains characters other than the digits 0-9"),
        ("123-456", "contains characters other than the digits 0-9"),
        ("-123456", "contains characters other than the digits 0-9"),
        ("12345", "has 5 digits"),
        ("1234567", "has 7 digits"),
        ("", "is empty"),
    ],
)
def test_a_bad_child_id_is_refused_with_the_reason_and_what_a_valid_one_looks_like(
    raw: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_child_id(raw)
    message = str(refused.value)
    assert reason in message
    assert message.endswith(CHILD_HINT)


def test_a_provider_id_is_not_a_child_id_and_the_other_way_round() -> None:
    # Given a valid ID of one kind, when it is parsed as the other, then it is refused
    with pytest.raises(InvalidInput, match="has 5 digits"):
        parse_child_id("12345")
    with pytest.raises(InvalidInput, match="has 6 digits"):
        parse_provider_id("123456")


def test_the_refusal_quotes_what_was_typed_but_cuts_a_long_paste() -> None:
    # Given a whole paragraph pasted into the ID field
    pasted = "my provider id is 12345 as shown on the portal"
    with pytest.raises(InvalidInput) as refused:
        parse_provider_id(pasted)
    # Then the message quotes only its first 20 characters
    message = str(refused.value)
    assert repr(pasted[:20] + "…") in message
    assert pasted not in message


def test_an_invalid_id_is_a_rollcall_refusal() -> None:
    # The CLI and Slack map RollcallError to a one-line reason
    with pytest.raises(RollcallError):
        parse_provider_id("abcde")


# --- properties -------------------------------------------------------------------------


@FAST
@given(raw=st.text(max_size=10))
def test_any_accepted_provider_id_is_exactly_five_ascii_digits_after_strip(raw: str) -> None:
    try:
        parsed = parse_provider_id(raw)
    except InvalidInput as refused:
        assert str(refused).endswith(PROVIDER_HINT)
        assert not re.fullmatch(r"[0-9]{5}", raw.strip())
    else:
        assert parsed == raw.strip()
        assert re.fullmatch(r"[0-9]{5}", parsed, flags=re.ASCII)


@FAST
@given(raw=st.text(alphabet=st.characters(categories=["Nd", "Zs", "Pd"]), max_size=8))
def test_any_accepted_child_id_is_exactly_six_ascii_digits_after_strip(raw: str) -> None:
    # Unicode decimal digits, spaces and dashes: only six ASCII digits get through
    try:
        parsed = parse_child_id(raw)
    except InvalidInput:
        assert not re.fullmatch(r"[0-9]{6}", raw.strip())
    else:
        assert parsed == raw.strip()
        assert len(parsed) == 6
        assert all(ch in "0123456789" for ch in parsed)


@FAST
@given(digits=ascii_digit_strings, before=whitespace, after=whitespace)
def test_ascii_digits_with_whitespace_around_are_accepted_exactly_at_the_right_length(
    digits: str, before: str, after: str
) -> None:
    raw = before + digits + after
    if len(digits) == 5:
        assert parse_provider_id(raw) == digits
    else:
        with pytest.raises(InvalidInput, match=PROVIDER_HINT.replace(".", r"\.")):
            parse_provider_id(raw)
    if len(digits) == 6:
        assert parse_child_id(raw) == digits
    else:
        with pytest.raises(InvalidInput):
            parse_child_id(raw)
