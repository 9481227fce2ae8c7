"""``rollcall demo``: the director's whole journey on embedded defaults (docs/CLI.md).

By default the journey goes through the Slack app (Bolt over signed HTTP, a local
stand-in for Slack's Web API, a worker on the embedded Redis, the KinderTrack sandbox);
``--cli`` runs the same kind of journey through the command line instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(
    cli: Annotated[
        bool, typer.Option("--cli", help="Run the journey through the command line, not Slack.")
    ] = False,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            metavar="DIR",
            help="Where the Slack journey saves each message's Block Kit JSON.",
        ),
    ] = Path("demo-output"),
) -> None:
    """The director's whole journey on embedded defaults, no Slack account needed."""
    from cli.demo import DemoFailed, run_demo, run_slack_demo

    try:
        if cli:
            run_demo(typer.echo)
        else:
            run_slack_demo(typer.echo, output_dir=output)
    except DemoFailed as failure:
        typer.echo(f"\nThe demo failed: {failure}", err=True)
        raise typer.Exit(1) from failure


def register(app: typer.Typer) -> None:
    """Add ``rollcall demo`` to the console script."""
    app.command("demo")(demo)
