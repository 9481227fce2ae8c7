"""Numbers in each language as Babel writes them: ``core.i18n.format_decimal`` parses
Babel's locale and the decimal pattern once per process (a report formats thousands of
numbers), and must still write exactly what Babel's own ``format_decimal`` does."""

from __future__ import annotations

import pytest
from babel import numbers as babel_numbers
from hypothesis import given
from hypothesis import strategies as st

from core import i18n
from core.i18n import format_decimal, using_locale


@given(
    number=st.floats(min_value=-1e7, max_value=1e7, allow_nan=False),
    digits=st.integers(min_value=0, max_value=4),
    language=st.sampled_from(i18n.SUPPORTED),
)
def test_a_number_reads_as_babel_writes_it_in_each_language(
    number: float, digits: int, language: str
) -> None:
    pattern = f"0.{'0' * digits}" if digits else "0"
    with using_locale(language):
        shown = format_decimal(number, digits)

    assert shown == babel_numbers.format_decimal(
        number, format=pattern, locale=i18n.FORMATS[language], group_separator=False
    )


def test_a_language_written_another_way_is_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(i18n.FORMATS, i18n.SPANISH, "es_ES")  # a decimal comma
    with using_locale("es"):
        assert format_decimal(12.5) == "12,50"
    with using_locale("en"):
        assert format_decimal(12.5) == "12.50"
