"""Names shown in Slack cannot mention, link or format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.escape import ZERO_WIDTH_SPACE, escape_mrkdwn, unescape_mrkdwn

ZW = ZERO_WIDTH_SPACE
slackish = st.text(alphabet=st.sampled_from("<>&!@#|*_~`:abU12 \n\u200b;"), max_size=40)


@given(st.text() | slackish)
def test_output_never_holds_a_raw_angle_bracket(text: str) -> None:
    escaped = escape_mrkdwn(text)

    assert "<" not in escaped
    assert ">" not in escaped


@given(st.text() | slackish)
def test_every_ampersand_starts_one_of_the_three_entities(text: str) -> None:
    escaped = escape_mrkdwn(text)

    for i, char in enumerate(escaped):
        if char == "&":
            assert escaped.startswith(("&amp;", "&lt;", "&gt;"), i)


@given(st.text() | slackish)
def test_formatting_characters_are_fenced_by_zero_width_spaces(text: str) -> None:
    escaped = escape_mrkdwn(text)

    for i, char in enumerate(escaped):
        if char in "*_~`":
            assert escaped[i - 1] == ZW and escaped[i + 1] == ZW


@given(st.text() | slackish)
def test_nothing_is_lost(text: str) -> None:
    assert unescape_mrkdwn(escape_mrkdwn(text)) == text


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here>", "&lt;!here&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<https://evil.example|Ava>", "&lt;https://evil.example|Ava&gt;"),
        ("*bold*", f"{ZW}*{ZW}bold{ZW}*{ZW}"),
        ("Mary_Ann ~Smith~", f"Mary{ZW}_{ZW}Ann {ZW}~{ZW}Smith{ZW}~{ZW}"),
        ("Tom & Jerry", "Tom &amp; Jerry"),
        ("&lt;", "&amp;lt;"),
        ("Zoë Ñúñez", "Zoë Ñúñez"),
    ],
)
def test_known_attacks_and_plain_names(name: str, shown: str) -> None:
    assert escape_mrkdwn(name) == shown
