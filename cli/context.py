"""The CLI's runtime, built lazily so `--help` needs no database; the first command to use
it migrates the database (one thread, under the migration lock: a first run just works)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.services.runtime import Runtime

OPERATOR = "cli"
"""The actor recorded in the audit trail for changes made from the command line."""


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    from rollcall.bootstrap import build_cli_runtime

    return build_cli_runtime()


def school_id(name: str) -> int:
    from core.services.schools import find_school

    with runtime().session() as session:
        return find_school(session, name=name).id or 0
