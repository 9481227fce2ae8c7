"""Refusals end a command with a one-line reason on stderr and a non-zero exit."""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from core.errors import (
    ImportRefused,
    OlderStayOpen,
    RollcallError,
    SchoolNotFound,
    StudentNotFound,
)


class RollcallGroup(TyperGroup):
    """Turns domain refusals into one line on stderr and exit status 1."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except RollcallError as error:
            typer.echo(" ".join(refusal_line(error).split()), err=True)
            raise typer.Exit(1) from error
        except Exception as error:
            line = database_refusal(error)
            if line is None:
                raise
            typer.echo(line, err=True)
            raise typer.Exit(1) from error


def database_refusal(error: Exception) -> str | None:
    """The line for a database error, or None for anything else.

    SQLAlchemy is looked up, not imported: a command that never loaded it (``--help``,
    ``rollcall sandbox``) cannot have raised one of its errors, and starts without it."""
    sqlalchemy_errors = sys.modules.get("sqlalchemy.exc")
    if sqlalchemy_errors is None:
        return None
    if isinstance(error, sqlalchemy_errors.IntegrityError):
        return (
            "Someone else changed the same thing at the same moment; nothing was changed. "
            "Run the command again."
        )
    if isinstance(error, sqlalchemy_errors.OperationalError):
        return f"Cannot use the database: {error.orig}"
    return None


def refusal_line(error: RollcallError) -> str:
    """The core's reason, then how to act on it from the command line (the core names no
    interface; Slack adds its own hints in ``bot/refusals.py``)."""
    hint = _cli_hint(error)
    return f"{error} {hint}" if hint else str(error)


def _cli_hint(error: RollcallError) -> str | None:
    if isinstance(error, SchoolNotFound):
        return "Add it with `rollcall school add`."
    if isinstance(error, StudentNotFound):
        return "Add them first (rollcall student add)."
    if isinstance(error, OlderStayOpen):
        return "Fix it with `rollcall attendance edit`."
    if isinstance(error, ImportRefused) and error.unknown_students:
        return "Add the students first (rollcall student add), or import with --add-students."
    return None
