"""The ``rollcall`` console script (docs/CLI.md). Each command module registers itself here."""

from __future__ import annotations

import typer

from cli.errors import RollcallGroup

app = typer.Typer(
    cls=RollcallGroup,
    pretty_exceptions_enable=False,
    name="rollcall",
    help="Submit Iowa CCA attendance to KinderTrack, exactly once.",
    no_args_is_help=True,
    add_completion=False,
)


def _register_commands() -> None:
    from cli import (
        commands_bot,
        commands_demo,
        commands_domain,
        commands_sandbox,
        commands_services,
        commands_up,
    )

    for module in (
        commands_domain,
        commands_sandbox,
        commands_services,
        commands_bot,
        commands_demo,
        commands_up,
    ):
        module.register(app)


_register_commands()
