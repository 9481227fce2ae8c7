"""Modal submission listeners (``view_submission`` by ``callback_id``).

None yet: modules add e.g. ``app.view("link_student")(link.handle_submission)``;
validation errors go back through ``ack(response_action="errors", errors={...})``.
"""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Nothing to register until the domain listeners arrive."""
