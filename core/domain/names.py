"""Names as people type them: matching that ignores case, accents and extra spaces."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

MAX_NAME_LENGTH = 120


def clean_name(raw: str, *, what: str = "name") -> str:
    """Trim and collapse inner whitespace; refuse empty, overlong or control-character names."""
    text = " ".join(raw.split())
    if not text:
        raise InvalidInput(f"The {what} is empty.")
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInput(f"The {what} is longer than {MAX_NAME_LENGTH} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInput(f"The {what} contains control characters.")
    return text


def name_key(name: str) -> str:
    """A key under which "José  Núñez" and "jose nunez" are the same person."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
