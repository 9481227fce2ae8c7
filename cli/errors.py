"""Refusals end a command with a one-line reason on stderr and a non-zero exit."""

from __future__ import annotations

from typing import Any

import typer
from sqlalchemy.exc import IntegrityError, OperationalError
from typer._click.core import Context
from typer.core import TyperGroup

from core.errors import RollcallError


class RollcallGroup(TyperGroup):
    """Turns domain refusals into one line on stderr and exit status 1."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except RollcallError as error:
            typer.echo(" ".join(str(error).split()), err=True)
            raise typer.Exit(1) from error
        except IntegrityError as error:
            typer.echo(
                "Someone else changed the same thing at the same moment; nothing was changed. "
                "Run the command again.",
                err=True,
            )
            raise typer.Exit(1) from error
        except OperationalError as error:
            typer.echo(f"Cannot use the database: {error.orig}", err=True)
            raise typer.Exit(1) from error
