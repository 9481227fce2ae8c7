"""Slash command listeners: ``/kindertrack`` and its subcommand table.

Each domain module below calls ``dispatcher.add_subcommand`` at import time.
"""

from __future__ import annotations

from slack_bolt import App

from bot.listeners.commands import absences, attendance, imports, language, report, setup
from bot.listeners.commands.dispatcher import COMMAND, handle_kindertrack

DOMAIN_MODULES = (report, setup, attendance, absences, imports, language)


def register(app: App) -> None:
    app.command(COMMAND)(handle_kindertrack)
