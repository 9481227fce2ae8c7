"""Every school's report for one range, checked at once: the statewide validation an
operator runs before a pay period's deadline (``rollcall check``).

Schools are read :data:`core.services.reports.BATCH_SCHOOLS` at a time, in a fixed number
of queries each, and only a verdict is kept of each report: however many schools, one
batch's reports are alive at a time, so the cost per school stays flat (a dict of every
report would make each garbage collection walk all of them).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select

from core.domain.report import ProviderStatus, SubsidyReport
from core.services.reports import BATCH_SCHOOLS, ReportRequest, check_range, load_reports
from core.services.runtime import Runtime
from core.store.tables import School


@dataclass(frozen=True)
class SchoolCheck:
    """One school's verdict on the range."""

    school_id: int
    school: str
    provider_status: ProviderStatus
    can_submit: bool
    already_submitted: bool
    errors: int
    warnings: int


def check_schools(
    rt: Runtime, *, start: date, end: date, school_ids: Sequence[int] | None = None
) -> Iterator[SchoolCheck]:
    """Each school's verdict on [start, end] (every school, or ``school_ids``), in ID
    order, by the cached pay periods (KinderTrack is not asked)."""
    check_range(start, end)
    if school_ids is None:
        with rt.session() as session:
            ids = [sid or 0 for sid in session.exec(select(School.id).order_by(col(School.id)))]
    else:
        ids = sorted(set(school_ids))
    for first in range(0, len(ids), BATCH_SCHOOLS):
        requests = [ReportRequest(sid, start, end) for sid in ids[first : first + BATCH_SCHOOLS]]
        with collections_paused(), rt.session() as session:
            reports = load_reports(rt, session, requests)
            verdicts = [_verdict(request, reports[request]) for request in reports]
        del reports
        yield from verdicts


def _verdict(request: ReportRequest, report: SubsidyReport) -> SchoolCheck:
    return SchoolCheck(
        school_id=request.school_id,
        school=report.school,
        provider_status=report.provider_status,
        can_submit=report.can_submit,
        already_submitted=report.already_submitted,
        errors=len(report.errors),
        warnings=len(report.warnings),
    )


@contextmanager
def collections_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch is read and judged (re-enabled after,
    unless it was off before). A batch allocates tens of thousands of rows, records and
    report rows that live until it is judged: each full collection they trigger walks the
    whole process's heap, so the cost per school grew with the heap, not the batch. None
    of them form cycles, so reference counting frees them when the batch is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
