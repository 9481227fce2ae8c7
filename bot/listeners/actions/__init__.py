"""Block action listeners (buttons), one module per flow; each calls ``ack()`` first."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.actions import board, home, report, setup


def register(app: App) -> None:
    for module in (report, setup, board, home):
        module.register(app)
