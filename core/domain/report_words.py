"""A report row's state and errors in a director's words, marked for translation.

The report's blocks and the CSV threaded under them say the same thing, so the words live
once, here; ``report --csv`` keeps its documented codes (docs/CLI.md).
"""

from __future__ import annotations

from core.domain.report import ReportRow, RowState
from core.i18n import N_, _

STATE_WORDS = {
    RowState.READY: N_("ready to send"),
    RowState.NEEDS_FIX: N_("needs a fix"),
    RowState.NOT_LINKED: N_("not linked"),
    RowState.NO_ATTENDANCE: N_("no attendance"),
}
ERROR_WORDS = {
    "overlap": N_("overlapping stays"),
    "missing_check_out": N_("no check-out"),
    "check_out_before_check_in": N_("check-out before check-in"),
    "too_long": N_("a stay of 24 hours or more"),
    "future": N_("a stay in the future"),
    "absent_and_present": N_("both absent and present on a day"),
}
AN_ERROR = N_("an error")


def state_words(row: ReportRow) -> str:
    """``ready to send`` / ``listo para enviar``."""
    return _(STATE_WORDS[row.state])


def error_words(row: ReportRow) -> str:
    """``overlapping stays, no check-out`` in the reader's language; empty without errors."""
    return ", ".join(_(ERROR_WORDS.get(code, AN_ERROR)) for code in row.errors)
