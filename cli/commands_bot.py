"""``rollcall bot``: run the Slack app (docs/CLI.md)."""

from __future__ import annotations

import typer

from core.errors import RollcallError


def bot(
    port: int = typer.Option(3000, "--port", help="HTTP port for /slack/events."),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Interface to listen on (0.0.0.0 behind a proxy)."
    ),
) -> None:
    """The Slack app: HTTP mode on /slack/events, or Socket Mode with SLACK_APP_TOKEN."""
    from bot.server import serve
    from core.config import get_settings
    from workers.logging import configure_logging

    configure_logging("INFO")
    try:
        serve(get_settings(), port, host=host)
    except RollcallError as refusal:
        typer.echo(str(refusal), err=True)
        raise typer.Exit(1) from refusal


def register(app: typer.Typer) -> None:
    """Add ``rollcall bot`` to the console script."""
    app.command("bot")(bot)
