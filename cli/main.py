"""The ``rollcall`` console script (DESIGN §5). Each command module registers itself here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="rollcall",
    help="Submit Iowa CCA attendance to KinderTrack, exactly once.",
    no_args_is_help=True,
    add_completion=False,
)


def _register_commands() -> None:
    from cli import commands_domain, commands_sandbox, commands_services

    commands_domain.register(app)
    commands_sandbox.register(app)
    commands_services.register(app)


_register_commands()
