"""Global middleware: text typed into Slack with a control character is refused whole.

Why: a NUL or another control character is never part of a name, a time or a provider
ID; refusing it at the door means no listener, worker or database sees it. A slash
command's text allows none; a modal's typed fields allow line breaks and tabs (a
multi-line field), nothing else. A modal gets the refusal on the field, a command a line
only its typist sees.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

from core.domain.control import LINE_BREAKS, describe, first_control_character
from core.i18n import _

log = logging.getLogger(__name__)


def _typed_values(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(block_id, text) of every typed value in a submitted view's state."""
    values = ((view.get("state") or {}).get("values")) or {}
    found = []
    for block_id, actions in values.items():
        for action in (actions or {}).values():
            value = action.get("value") if isinstance(action, Mapping) else None
            if isinstance(value, str):
                found.append((str(block_id), value))
    return found


def refuse_control_input(
    req: BoltRequest, resp: BoltResponse, next: Callable[[], None]
) -> BoltResponse | None:
    """Let typed text through only without control characters."""
    body = req.body
    if body.get("command"):
        found = first_control_character(str(body.get("text") or ""))
        if found is not None:
            log.info(
                "command with a control character refused",
                extra={"event": "control_character", "character": describe(found)},
            )
            return BoltResponse(
                status=200,
                body={
                    "response_type": "ephemeral",
                    "text": _(
                        "Nothing was done: the command contains a control character "
                        "({character}). Type it again.",
                        character=describe(found),
                    ),
                },
            )
    if body.get("type") == "view_submission":
        for block_id, text in _typed_values(body.get("view") or {}):
            found = first_control_character(text, allow=LINE_BREAKS)
            if found is not None:
                log.info(
                    "view field with a control character refused",
                    extra={"event": "control_character", "character": describe(found)},
                )
                message = _(
                    "This contains a control character ({character}): type it again.",
                    character=describe(found),
                )
                return BoltResponse(
                    status=200,
                    body={"response_action": "errors", "errors": {block_id: message}},
                )
    next()
    return None
