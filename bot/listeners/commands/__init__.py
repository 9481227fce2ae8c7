"""Slash command listeners: ``/kindertrack`` and its subcommand table."""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands.dispatcher import COMMAND, handle_kindertrack


def register(app: App) -> None:
    """Domain modules add subcommands with ``dispatcher.add_subcommand`` at import time;
    import them here, before the command is registered."""
    app.command(COMMAND)(handle_kindertrack)
