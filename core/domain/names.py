"""Names as people type them: matching that ignores case, accents and extra spaces."""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput
from core.i18n import N_, _, sentence

MAX_NAME_LENGTH = 120


def clean_name(raw: str, *, what: str = N_("name")) -> str:
    """Trim and collapse inner whitespace; refuse empty, overlong or control-character names."""
    text = " ".join(raw.split())
    if not text:
        raise InvalidInput(sentence(_("The {what} is empty.", what=_(what))))
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInput(
            sentence(
                _(
                    "The {what} is longer than {count} characters.",
                    what=_(what),
                    count=MAX_NAME_LENGTH,
                )
            )
        )
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInput(sentence(_("The {what} contains control characters.", what=_(what))))
    return text


def name_key(name: str) -> str:
    """A key under which "José  Núñez" and "jose nunez" are the same person."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()
