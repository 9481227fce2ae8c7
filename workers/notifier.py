"""The notifier a worker uses when no Slack app is configured: one log line per notice.

Logs carry IDs and kinds only, never a child's name.
"""

from __future__ import annotations

import logging

from core.ports import Notice

log = logging.getLogger("rollcall.notices")


class LoggingNotifier:
    def notify(self, notice: Notice) -> None:
        ids = {
            k: v for k, v in notice.payload.items() if isinstance(v, int | str) and k.endswith("id")
        }
        log.info(
            "notice %s",
            notice.kind,
            extra={"event": "notice", "kind": notice.kind, "school_id": notice.school_id, **ids},
        )
