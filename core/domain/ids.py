"""KinderTrack identifiers: a 5-digit provider ID, a 6-digit child ID and a link code.

Digits mean ASCII 0-9 only: ``str.isdigit()`` also accepts full-width and Arabic-Indic
digits, which KinderTrack would never match.
"""

from __future__ import annotations

import re

from core.errors import InvalidInput
from core.i18n import N_, _, ngettext, sentence

_ASCII_DIGITS = re.compile(r"[0-9]+")


def _parse(raw: str, *, length: int, what: str, example: str) -> str:
    text = raw.strip()
    if len(text) == length and _ASCII_DIGITS.fullmatch(text):
        return text
    shown = text if len(text) <= 20 else text[:20] + "…"
    if not text:
        reason = _("is empty")
    elif _ASCII_DIGITS.fullmatch(text):
        reason = ngettext("has {n} digit", "has {n} digits", len(text))
    elif all(ch.isdigit() for ch in text):
        reason = _("uses digits other than 0-9")
    else:
        reason = _("contains characters other than the digits 0-9")
    raise InvalidInput(
        sentence(
            _(
                "{what} {shown} {reason}: a {what} is exactly {length} digits 0-9, like {example}.",
                what=_(what),
                shown=repr(shown),
                reason=reason,
                length=length,
                example=example,
            )
        )
    )


def parse_provider_id(raw: str) -> str:
    """The 5-digit KinderTrack provider ID shown next to the location name in the portal."""
    return _parse(raw, length=5, what=N_("KinderTrack provider ID"), example="12345")


def parse_child_id(raw: str) -> str:
    """The 6-digit KinderTrack child ID, unique within a provider."""
    return _parse(raw, length=6, what=N_("KinderTrack child ID"), example="123456")


LINK_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LINK_CODE_LENGTH = 8


def parse_link_code(raw: str) -> str:
    """The one-time code the center's KinderTrack administrator gets when authorizing
    Rollcall in the portal: 8 characters without look-alikes (no 0/O, 1/I). Typed in
    lower case or with spaces or dashes between groups, it is still the same code."""
    text = "".join(raw.split()).replace("-", "").upper()
    if len(text) == LINK_CODE_LENGTH and all(ch in LINK_CODE_ALPHABET for ch in text):
        return text
    raise InvalidInput(
        _(
            "A KinderTrack link code is 8 letters and digits, like K7PM2QXA (no 0, 1, I or O). "
            "Your center's KinderTrack administrator gets one by authorizing Rollcall in the "
            "KinderTrack portal."
        )
    )
