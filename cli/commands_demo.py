"""``rollcall demo``: the director's whole journey on embedded defaults (DESIGN §5)."""

from __future__ import annotations

import typer


def demo() -> None:
    """The director's whole journey on embedded defaults, no Slack account needed."""
    from cli.demo import DemoFailed, run_demo

    try:
        run_demo(typer.echo)
    except DemoFailed as failure:
        typer.echo(f"\nThe demo failed: {failure}", err=True)
        raise typer.Exit(1) from failure


def register(app: typer.Typer) -> None:
    """Add ``rollcall demo`` to the console script."""
    app.command("demo")(demo)
