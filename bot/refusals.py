"""What a refusal says in Slack: the core's reason, then how to act on it from Slack.

The core names no interface; the command line adds its own hints (``cli/errors.py``).
"""

from __future__ import annotations

from core.errors import NotADirector, OlderStayOpen, RollcallError
from core.i18n import _, format_date


def refusal_text(refusal: RollcallError) -> str:
    """The refusal worded for people (its dates as they write them, no machine words)
    followed by the Slack way out, when there is one."""
    said = refusal.worded(format_date)
    hint = _slack_hint(refusal)
    return f"{said} {hint}" if hint else said


def _slack_hint(refusal: RollcallError) -> str | None:
    if isinstance(refusal, NotADirector):
        return _("A director can add you with /kindertrack directors add @you.")
    if isinstance(refusal, OlderStayOpen):
        return _("Fix it in the report's Review.")
    return None
