"""Global middleware: never act twice when Slack retries a delivery.

Why: the Events API retries a delivery (up to three times) when our answer took over
3 seconds or failed, adding ``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``. The
first delivery was usually processed anyway (we ack at once and work afterwards), so
a retry that runs the listener again would post a second message or submit twice.
Answering 200 without calling ``next()`` acks the retry and skips every listener.

Bolt's Socket Mode adapter mirrors ``retry_attempt``/``retry_reason`` into the same
headers, so this covers both modes. Built-in middleware (signature verification,
authorization) runs before this, so a forged "retry" is still refused with 401.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

RETRY_NUM_HEADER = "x-slack-retry-num"
RETRY_REASON_HEADER = "x-slack-retry-reason"


def _first(req: BoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    return values[0] if values else None


def skip_slack_retries(
    req: BoltRequest, resp: BoltResponse, next: Callable[[], None]
) -> BoltResponse | None:
    """Ack a retried delivery with 200 and stop; let first deliveries through."""
    retry_num = _first(req, RETRY_NUM_HEADER)
    if retry_num is None:
        next()
        return None
    log.info(
        "Slack retry skipped",
        extra={
            "event": "slack_retry",
            "attempt": retry_num,
            "reason": _first(req, RETRY_REASON_HEADER),
            "slack_event_id": req.body.get("event_id"),
            "request_type": req.body.get("type"),
            "team_id": req.context.team_id,
        },
    )
    return BoltResponse(status=200, body="")
