"""Block action listeners (buttons such as "Approve" and "Submit").

None yet: the report and submission modules register theirs here, e.g.
``app.action("approve_report")(approve.handle)``, each calling ``ack()`` first.
"""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Nothing to register until the domain listeners arrive."""
