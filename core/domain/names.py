"""Names as people type them: matching that ignores case, accents and extra spaces."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Sequence

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


def name_matches(query: str, name: str) -> bool:
    """Whether what someone typed (any part, any case, with or without accents) is in
    ``name``: "zoe ang" finds "Zoë Ångström"."""
    return name_key(query) in name_key(name)


def near_names(typed: str, names: Sequence[str], *, limit: int = 5) -> list[str]:
    """Names that ``typed`` probably meant, best first: those containing it (ignoring case
    and accents), then those spelled alike (difflib's ratio of at least 0.6)."""
    key = name_key(typed)
    if not key:
        return []
    containing = [n for n in names if key in name_key(n)]
    by_key = {name_key(n): n for n in names if n not in containing}
    alike = [by_key[k] for k in difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.6)]
    return (containing + alike)[:limit]
