"""Which tables a school's reports are made of, and the version the database keeps of them.

``school.report_version`` moves on every insert, update and delete of a row of these
tables (and on a change of the school's time zone), by triggers that migration 0015
installs: the database keeps it, so a code path that forgets to void an approval still
moves it. An approval stores the version it saw; a claim that finds it unchanged knows
the report is the one approved (core.services.sending).

A new table that a report reads must be added here and given the same triggers in a
migration; ``tests/integration/test_report_version.py`` fails until it is.
"""

from __future__ import annotations

from sqlmodel import Session, select

from core.store.tables import School

REPORT_INPUTS = ("registration", "pay_period", "student", "attendance", "absence", "closure")
"""The tables a report reads besides ``school`` (its time zone is watched too) and
``submission`` (a claim reads its own row's state)."""


def report_version(session: Session, *, school_id: int) -> int | None:
    """The school's report version as this transaction sees it; None: no such school."""
    return session.exec(select(School.report_version).where(School.id == school_id)).first()
