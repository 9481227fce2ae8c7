"""One JSON object per log line, so workers, the scheduler and the bot can be searched by field.

Privacy rule: **a log line never carries a child's name.** Log identifiers
(``submission_id``, ``school_id``, the pay ``period``, the submission ``state``),
never names or free text typed by a director. The formatter enforces half of
this: only the whitelisted ``extra`` fields in :data:`EXTRA_FIELDS` are written;
any other ``extra`` key (``student=...``) is dropped silently. The other half
is on the caller: the message text itself must not interpolate a name. Dramatiq
logs a failing message as ``actor(arg, …)``; some arguments are not IDs (a
registration's link code and username), so a Dramatiq message in a record's
arguments is written as its actor and message ID only (:func:`redact_messages`).

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

from dramatiq import Message
from dramatiq.broker import MessageProxy

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
    "count",
    "team_id",
    "user_id",
    "director_id",
    "user_team_ids",
    "channel_id",
    "student_id",
    "direction",
    "linked",
    "near",
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


#: Dramatiq's debug line with an actor's arguments (``dramatiq/actor.py``).
DRAMATIQ_ARGUMENTS_LINE = "Received args=%r kwargs=%r."


def redact_messages(args: Any) -> Any:
    """A log record's arguments with each Dramatiq message (or the proxy a worker logs)
    shown as ``actor[message id]``."""
    if isinstance(args, Message | MessageProxy):
        return f"{args.actor_name}[{args.message_id}]"
    if isinstance(args, tuple):
        return tuple(redact_messages(arg) for arg in args)
    return args


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: ts, level, logger, message, pid, whitelisted extras."""

    def format(self, record: logging.LogRecord) -> str:
        if record.msg == DRAMATIQ_ARGUMENTS_LINE:
            record.args = ("(not logged)", "(not logged)")
        record.args = redact_messages(record.args)
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
