"""Make user-supplied text (a child's or school's name) safe inside Slack ``mrkdwn``.

Why: names come from directors, CSV imports and KinderTrack's roster. A name like
``<!channel>`` would ping a whole channel, ``<@U123>`` would mention someone, and
``*Ava*`` would turn bold. Every user-visible name goes through :func:`escape_mrkdwn`
before it is placed in a ``mrkdwn`` text object or a message's ``text``.

Two layers:

1. Control characters. Slack's own rule ("Escaping text" in the formatting docs) is
   that exactly three characters are escaped as HTML entities: ``&`` -> ``&amp;``,
   ``<`` -> ``&lt;``, ``>`` -> ``&gt;``. Nothing else may be entity-encoded, because
   Slack decodes only these three. Without a raw ``<`` no mention, channel link,
   ``<!here>``-style broadcast or ``<url|label>`` link can be formed, and a leading
   ``>`` can no longer start a block quote.

2. Formatting characters ``*`` ``_`` ``~`` `````. Slack offers no escape for these
   (a backslash is shown literally). The accepted practice is to put an invisible
   ZERO WIDTH SPACE (U+200B) on both sides of each such character. mrkdwn only
   formats when the opening marker touches the start of a word and the closing marker
   touches its end; with U+200B on both sides neither condition holds whether or not
   Slack's parser counts U+200B as a word character, so ``*bold*`` shows as ``*bold*``.
   The characters stay visible and unchanged, only spacing that nobody sees is added.
   The cost: text copied out of Slack carries the invisible characters, so this is for
   display only; never store or compare escaped text.

Where a Block Kit field accepts ``plain_text`` (headers, buttons, options), prefer it
for names: it is never formatted. Plain ``@channel`` typed as text is not a mention
unless a message is sent with ``link_names=true`` or ``parse=full``, which Rollcall
never does.
"""

from __future__ import annotations

ZERO_WIDTH_SPACE = "\u200b"
FORMATTING_CHARACTERS = "*_~`"

_TABLE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        **{c: f"{ZERO_WIDTH_SPACE}{c}{ZERO_WIDTH_SPACE}" for c in FORMATTING_CHARACTERS},
    }
)


def escape_mrkdwn(text: str) -> str:
    """Return ``text`` so that Slack shows it literally inside mrkdwn (see module docs)."""
    return text.translate(_TABLE)


def unescape_mrkdwn(text: str) -> str:
    """Invert :func:`escape_mrkdwn`; for tests and for reading our own messages back."""
    for c in FORMATTING_CHARACTERS:
        text = text.replace(f"{ZERO_WIDTH_SPACE}{c}{ZERO_WIDTH_SPACE}", c)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
