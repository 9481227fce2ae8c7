"""The notifier a worker uses when no Slack app is configured: one log line per notice.

Logs carry IDs and kinds only, never a child's name.
"""

from __future__ import annotations

import logging

from core.notices import Notice, SubmissionChanged

log = logging.getLogger("rollcall.notices")


class LoggingNotifier:
    def notify(self, notice: Notice) -> None:
        ids: dict[str, object] = {"school_id": notice.school_id}
        if isinstance(notice, SubmissionChanged):
            ids["submission_id"] = notice.submission.id
            ids["state"] = str(notice.submission.state)
        log.info("notice", extra={"event": "notice", "kind": notice.kind, **ids})
