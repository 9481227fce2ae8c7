"""The rule that protects a submitted claim: attendance of a submitted (or submitting)
period is read-only, and any change to an approved period voids the approval.

Every attendance write calls ``guard_period_write`` inside its own transaction; it takes
the school's lock (``lock_school``) first, as approvals and claims do, so a write and an
approval or a worker's claim cannot interleave on either database.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from core.domain.submission import LOCKING_STATES, SubmissionState
from core.errors import PeriodLocked
from core.store.tables import School, Submission, utcnow

_GUARDED = [str(SubmissionState.APPROVED), *(str(s) for s in LOCKING_STATES)]


def lock_school(session: Session, *, school_id: int) -> None:
    """A per-school mutex for the rest of the transaction (SELECT … FOR UPDATE on the school).

    Every attendance write, every approval and every claim takes it first, so on PostgreSQL
    (READ COMMITTED) an edit cannot slip between an approval or a claim reading the records
    and writing the submission row, even when that row does not exist yet. SQLite already
    serializes writers (BEGIN IMMEDIATE).
    """
    session.exec(select(School.id).where(School.id == school_id).with_for_update()).first()


def _period_rows(session: Session, *, school_id: int, day: date) -> list[Submission]:
    return list(
        session.exec(
            select(Submission)
            .where(
                Submission.school_id == school_id,
                Submission.period_start <= day,
                Submission.period_end >= day,
                col(Submission.state).in_(_GUARDED),
            )
            .with_for_update()
        )
    )


def _refusal(rows: list[Submission]) -> PeriodLocked | None:
    for row in rows:
        state = SubmissionState(row.state)
        if state in LOCKING_STATES:
            return PeriodLocked(
                row.period_start, row.period_end, submitting=state is SubmissionState.SUBMITTING
            )
    return None


def period_lock(session: Session, *, school_id: int, day: date) -> PeriodLocked | None:
    """The refusal a write on ``day`` would get, without changing anything."""
    return _refusal(_period_rows(session, school_id=school_id, day=day))


def guard_period_write(session: Session, *, school_id: int, day: date) -> None:
    """Refuse a write to a locked period; void an approval of the period being changed."""
    lock_school(session, school_id=school_id)
    rows = _period_rows(session, school_id=school_id, day=day)
    refusal = _refusal(rows)
    if refusal is not None:
        raise refusal
    for row in rows:
        _void(row, f"Approval voided: attendance on {day.isoformat()} changed after approval.")
        session.add(row)


def void_open_approvals(session: Session, *, school_id: int, reason: str) -> int:
    """Void every approved-but-not-yet-claimed submission of a school (e.g. a link changed)."""
    rows = session.exec(
        select(Submission)
        .where(Submission.school_id == school_id, Submission.state == str(SubmissionState.APPROVED))
        .with_for_update()
    ).all()
    for row in rows:
        _void(row, f"Approval voided: {reason} after approval.")
        session.add(row)
    return len(rows)


def _void(row: Submission, message: str) -> None:
    row.state = str(SubmissionState.DRAFT)
    row.error = message
    row.updated_at = utcnow()
