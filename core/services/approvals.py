"""A director's approval of a pay period's report, and its withdrawal within the undo window.

Approving binds the submission to the report's fingerprint under the school's lock, and
keeps the records approved with the school's report version (``core.store.report_version``)
as it was judged; a worker sends it afterwards (:mod:`core.services.sending`).
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime

from sqlalchemy.exc import IntegrityError

from core.domain.report import SubsidyReport
from core.domain.submission import (
    SubmissionState,
    canonical_records,
    check_transition,
    idempotency_key,
)
from core.errors import (
    AlreadySubmitted,
    InvalidInput,
    PeriodNotOver,
    StalePreview,
    UndoTooLate,
)
from core.i18n import _
from core.services.reports import load_report
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.services.submissions import SubmissionView, current_row, log_state
from core.services.submissions_guard import lock_school
from core.store.report_version import report_version
from core.store.tables import Submission

log = logging.getLogger(__name__)

S = SubmissionState


def approve(
    rt: Runtime,
    *,
    school_id: int,
    start: date,
    end: date,
    approved_by: str,
    team_id: str | None = None,
    seen: str | None = None,
    early: bool = False,
    undoable: bool = True,
) -> SubmissionView:
    """Approve exactly the records the report shows now.

    ``undoable`` gives the director ``rt.undo_window`` to withdraw it before any worker
    sends it; the operator's ``rollcall submit --yes`` passes False, and the row says so, so
    that a sweep re-driving it (its message lost) does not wait out a window nobody has.

    A pay period that has not ended (in the school's own date) is approved only when
    ``early`` says the director chose to submit early (PeriodNotOver otherwise): later days
    could never be added.

    ``seen``, when given, is the start of the fingerprint of the preview the director
    approved from: if the records changed since, nothing is approved (StalePreview).
    Idempotent for double clicks: a period already approved or being submitted gives
    back that submission. A submitted period is refused with KinderTrack's message.
    """
    try:
        with rt.session() as session:
            get_school(session, school_id=school_id, team_id=team_id)
            lock_school(session, school_id=school_id)
            row = current_row(session, school_id=school_id, start=start, end=end, lock=True)
            if row is not None and row.state in (S.APPROVED, S.SUBMITTING):
                return SubmissionView.of(row)
            if row is not None and row.state == S.SUBMITTED:
                raise AlreadySubmitted()
            report = load_report(rt, session, school_id=school_id, start=start, end=end)
            if seen is not None and not report.fingerprint.startswith(seen):
                raise StalePreview()
            if not report.can_submit:
                raise InvalidInput(
                    _("Not ready to submit:") + " " + " ".join(report.blocking_reasons)
                )
            to_come = report.days_to_come
            if to_come is not None and not early:
                raise PeriodNotOver(*to_come)
            now = rt.now()
            if row is None:
                row = Submission(
                    school_id=school_id,
                    period_start=start,
                    period_end=end,
                    state=str(S.DRAFT),
                    provider_id=report.provider_id or "",
                    fingerprint="",
                    idempotency_key=idempotency_key(report.provider_id or "", start, end),
                )
            until = now + rt.undo_window if undoable and rt.undo_window else None
            _approve_row(row, report, approved_by=approved_by, now=now, undo_until=until)
            # Read after the report (reading it may have refreshed the cached pay periods),
            # still under the school's lock: the version of exactly what was judged.
            row.report_version = report_version(session, school_id=school_id)
            session.add(row)
            session.flush()
            log.info(
                "submission approved",
                extra={
                    "event": "state_change",
                    "submission_id": row.id,
                    "school_id": school_id,
                    "period": f"{start}/{end}",
                    "state": row.state,
                },
            )
            return SubmissionView.of(row)
    except IntegrityError:
        with rt.session() as session:
            winner = current_row(session, school_id=school_id, start=start, end=end)
            if winner is None:
                raise
            return SubmissionView.of(winner)


def _approve_row(
    row: Submission,
    report: SubsidyReport,
    *,
    approved_by: str,
    now: datetime,
    undo_until: datetime | None,
) -> None:
    row.state = str(check_transition(S(row.state), S.APPROVED))
    row.fingerprint = report.fingerprint
    records = report.records_to_send
    row.record_count = len(records)
    row.approved_payload = json.dumps(canonical_records(records))
    row.provider_id = report.provider_id or ""
    row.idempotency_key = idempotency_key(row.provider_id, report.start, report.end)
    row.approved_by = approved_by[:64]
    row.approved_at = now
    row.undo_until = undo_until
    row.error = None
    row.updated_at = now


def in_undo_window(row: Submission, now: datetime) -> bool:
    """True while the director may still withdraw this approval (no worker sends it yet)."""
    return row.undo_until is not None and _aware(row.undo_until) > now


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def undo_deadline(rt: Runtime, view: SubmissionView) -> datetime | None:
    """Until when the director can still withdraw this approval; None when they cannot
    (not an approval waiting to be sent, no undo window, or the window has passed)."""
    if view.state is not S.APPROVED or view.undo_until is None:
        return None
    until = _aware(view.undo_until)
    return until if until > rt.now() else None


def withdraw(
    rt: Runtime,
    *,
    school_id: int,
    start: date,
    end: date,
    team_id: str | None = None,
) -> SubmissionView | None:
    """Take back an approval no worker has claimed yet: ``approved`` → ``draft``.

    Under the school lock, as a claim is: either the withdrawal comes first and no worker
    will send it, or a worker claimed it first and UndoTooLate says so (nothing half-done).
    A period with nothing approved (already withdrawn, a double click) gives back its
    current submission or None.
    """
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        lock_school(session, school_id=school_id)
        row = current_row(session, school_id=school_id, start=start, end=end, lock=True)
        if row is None:
            return None
        state = S(row.state)
        if state is S.SUBMITTING:
            raise UndoTooLate(sent=False)
        if state is S.SUBMITTED:
            raise UndoTooLate(sent=True)
        if state is not S.APPROVED:
            return SubmissionView.of(row)
        row.state = str(check_transition(state, S.DRAFT))
        row.error = None
        row.updated_at = rt.now()
        session.add(row)
        log_state(row, "withdrawn")
        return SubmissionView.of(row)
