"""Control characters in what people type or upload: refused, never stored or parsed.

Why: a NUL or another control character in a CSV field or a Slack field is never part of
a name or a time; it is a corrupted file or an attack. Python's own parsers let some
through (``datetime.fromisoformat`` accepts a trailing NUL, ``str.strip`` removes
``\\x1c``-``\\x1f``), so every text field is checked before anything reads it.
"""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

#: Line breaks and tabs may appear in multi-line fields; every other control is refused.
LINE_BREAKS = frozenset("\t\n\r")


def first_control_character(text: str, *, allow: frozenset[str] = frozenset()) -> str | None:
    """The first control character (Unicode category Cc) in ``text`` not in ``allow``."""
    return next((ch for ch in text if ch not in allow and unicodedata.category(ch) == "Cc"), None)


def describe(ch: str) -> str:
    """``U+0000 (NUL)``: how a refusal names an invisible character."""
    name = {"\x00": "NUL", "\t": "TAB", "\n": "LF", "\r": "CR", "\x7f": "DEL"}.get(ch)
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def refuse_control_characters(text: str, *, what: str, allow: frozenset[str] = frozenset()) -> str:
    """``text`` unchanged, or :class:`InvalidInput` naming the field and the character."""
    found = first_control_character(text, allow=allow)
    if found is not None:
        raise InvalidInput(f"The {what} contains a control character, {describe(found)}.")
    return text
