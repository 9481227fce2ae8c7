"""The one place where every listener is registered on the Bolt app.

Why: a reader (or a test) finds every entry point from here, and each kind of
listener lives in its own package with plain functions that tests can call directly.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners import actions, commands, events, views


def register(app: App) -> None:
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
