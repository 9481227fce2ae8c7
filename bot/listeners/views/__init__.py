"""Modal submission listeners (``view_submission`` by ``callback_id``), one module per flow.

Validation errors go back through ``ack(response_action="errors", errors={...})``.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.views import imports, review, setup


def register(app: App) -> None:
    for module in (review, setup, imports):
        module.register(app)
