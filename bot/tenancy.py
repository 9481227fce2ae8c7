"""Global middleware: a request acts only for one workspace, the one its user belongs to.

Why: a Slack Connect channel shares messages and buttons with people of another
organisation. Their clicks arrive signed and carry our workspace's ``team.id``, but their
own ``user.team_id``: they must not check children in, register, or read a report. A
request naming no workspace at all could only reach schools made from the command line
(whose workspace is empty): it is refused too. Both are answered 200 (Slack needs an
answer) and no listener runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

NO_WORKSPACE = "Rollcall could not tell which Slack workspace this came from; nothing was done."
FOREIGN_USER = (
    "Rollcall acts only for people of the workspace a school belongs to; nothing was done."
)


def user_team_ids(body: Mapping[str, Any], actor_team_id: str | None) -> set[str]:
    """Every workspace the payload says its user belongs to (none for most events)."""
    found = {actor_team_id} if actor_team_id else set()
    user = body.get("user")
    if isinstance(user, Mapping) and user.get("team_id"):
        found.add(str(user["team_id"]))
    for key in ("user_team_id", "user_team"):
        if body.get(key):
            found.add(str(body[key]))
    return found


def refuse_foreign_requests(
    req: BoltRequest, resp: BoltResponse, next: Callable[[], None]
) -> BoltResponse | None:
    """Let a request through only when it names its workspace and its user is of it."""
    team_id = req.context.team_id
    if not team_id:
        log.warning(
            "request without a workspace refused",
            extra={"event": "no_workspace", "request_type": req.body.get("type")},
        )
        return _refusal(req, NO_WORKSPACE)
    foreign = user_team_ids(req.body, req.context.actor_team_id) - {team_id}
    if foreign:
        log.warning(
            "request from another workspace's user refused",
            extra={
                "event": "foreign_user",
                "team_id": team_id,
                "user_id": req.context.user_id,
                "user_team_ids": ",".join(sorted(foreign)),
            },
        )
        return _refusal(req, FOREIGN_USER)
    next()
    return None


def _refusal(req: BoltRequest, text: str) -> BoltResponse:
    """A slash command gets a line only its typist sees; anything else a bare 200."""
    if req.body.get("command"):
        return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body="")
