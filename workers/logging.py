"""One JSON object per log line, so workers, the scheduler and the bot can be searched by field.

Privacy rule: **a log line never carries a child's name.** Log identifiers
(``submission_id``, ``school_id``, the pay ``period``, the submission ``state``),
never names or free text typed by a director. The formatter enforces half of
this: only the whitelisted ``extra`` fields in :data:`EXTRA_FIELDS` are written;
any other ``extra`` key (``student=...``) is dropped silently. The other half
is on the caller: the message text itself must not interpolate a name, and
actors must take IDs as arguments (Dramatiq logs a failing message with its
arguments).

Usage::

    log.info("submission sent", extra={"event": "submitted", "submission_id": 42,
                                       "school_id": 7, "period": "2026-01-04/2026-01-17"})
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

#: The ``extra`` keys that reach the output. Identifiers and states only: never names.
EXTRA_FIELDS: tuple[str, ...] = (
    "event",
    "submission_id",
    "school_id",
    "period",
    "state",
    "job",
    "queue",
    "actor",
    "message_id",
    "attempt",
    "attempts",
    "duration_ms",
    "kind",
    "error",
    "edits",
    "record_id",
    "file_id",
    "added",
    "duplicates",
    "team_id",
    "user_id",
    "director_id",
    "user_team_ids",
    "channel_id",
    "student_id",
    "direction",
    "linked",
    "unmatched_students",
    "unmatched_roster",
    "request_type",
    "slack_event_id",
    "reason",
    "character",
    "message_ts",
    "method",
    "path",
    "port",
)


#: A message longer than this is cut: a log line never carries a whole request body.
MAX_MESSAGE_CHARS = 2000


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: ts, level, logger, message, pid, whitelisted extras."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if len(message) > MAX_MESSAGE_CHARS:
            message = f"{message[:MAX_MESSAGE_CHARS]}… ({len(message)} characters, cut)"
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
            "pid": record.process,
        }
        for field in EXTRA_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                payload[field] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def configure_logging(level: int | str = logging.INFO, *, stream: IO[str] | None = None) -> None:
    """Route the root logger to one JSON line per record on ``stream`` (default: stderr).

    Replaces any handlers already on the root logger, so calling it twice (or after
    ``logging.basicConfig``) still leaves exactly one JSON handler.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
