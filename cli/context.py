"""The CLI's runtime, built lazily so `--help` needs no database; the first command to use
it migrates the database (one thread, under the migration lock: a first run just works)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.notices import Notice
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


def announce(notice: Notice) -> None:
    """Tell who follows a change the command made, as a worker would: the Slack messages
    of a pay period (a director may have approved it in Slack meanwhile, and its message
    must end in the true state) when the Slack app is configured, else the log."""
    from core.config import get_settings
    from rollcall.bootstrap import notifier_for_worker

    notifier_for_worker(get_settings(), runtime=runtime).notify(notice)
