"""Listeners of this flow; its owner fills them in."""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    """Register this module's listeners on the app."""
