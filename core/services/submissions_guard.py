"""The rule that protects a submitted claim: attendance of a submitted (or submitting)
period is read-only, and any change to an approved period voids the approval. A period
KinderTrack already holds a submission for that Rollcall did not send (someone used the
portal) is as final: its row ends ``rejected``, but its attendance is read-only too.

Every attendance write calls ``guard_period_write`` inside its own transaction; it takes
the school's lock (``lock_school``) first, as approvals and claims do, so a write and an
approval or a worker's claim cannot interleave on either database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, ScalarSelect, or_
from sqlmodel import Session, col, select

from core.domain.submission import LOCKING_STATES, SubmissionState
from core.errors import PeriodLocked
from core.store.tables import School, Submission, utcnow

_GUARDED = [str(SubmissionState.APPROVED), *(str(s) for s in LOCKING_STATES)]


def closes_period() -> ColumnElement[bool]:
    """The submissions after which a period's claim is made at KinderTrack: Rollcall's,
    sent or being sent, and one KinderTrack holds that Rollcall did not send."""
    return or_(
        col(Submission.state).in_([str(s) for s in LOCKING_STATES]),
        col(Submission.held_elsewhere_id).is_not(None),
    )


def lock_school(session: Session, *, school_id: int) -> None:
    """A per-school mutex for the rest of the transaction (SELECT … FOR NO KEY UPDATE).

    Every attendance write, every approval and every claim takes it first, so on PostgreSQL
    (READ COMMITTED) an edit cannot slip between an approval or a claim reading the records
    and writing the submission row, even when that row does not exist yet. SQLite already
    serializes writers (BEGIN IMMEDIATE).

    NO KEY UPDATE (the school row is never deleted or re-keyed under it) still excludes
    another holder of this lock, but not the KEY SHARE lock that an insert referencing the
    school takes: reminders, Slack messages and audit entries are not held up by it.
    """
    _lock_school_row(session, school_id)


def lock_school_of_submission(session: Session, *, submission_id: int) -> int | None:
    """:func:`lock_school` for the school a submission belongs to, found in the same
    statement (a submission never changes school); the school's ``report_version`` (read
    under the lock), None when there is no such submission. The caller reads the
    submission after this, so it sees what the lock's last holder committed."""
    owner = select(Submission.school_id).where(Submission.id == submission_id).scalar_subquery()
    return _lock_school_row(session, owner)


def _lock_school_row(session: Session, school_id: int | ScalarSelect[int]) -> int | None:
    """The lock itself: the school row ``FOR NO KEY UPDATE``; its report version, None if
    there is no such school."""
    return session.exec(
        select(School.report_version).where(School.id == school_id).with_for_update(key_share=True)
    ).first()


def _period_rows(session: Session, *, school_id: int, first: date, last: date) -> list[Submission]:
    """The guarded submissions of the school whose period meets [first, last], locked."""
    return list(
        session.exec(
            select(Submission)
            .where(
                Submission.school_id == school_id,
                Submission.period_start <= last,
                Submission.period_end >= first,
                or_(col(Submission.state).in_(_GUARDED), closes_period()),
            )
            .with_for_update(key_share=True)
        )
    )


def _covering(rows: list[Submission], day: date) -> list[Submission]:
    return [row for row in rows if row.period_start <= day <= row.period_end]


def _refusal(rows: list[Submission]) -> PeriodLocked | None:
    for row in rows:
        state = SubmissionState(row.state)
        if state in LOCKING_STATES:
            return PeriodLocked(
                row.period_start, row.period_end, submitting=state is SubmissionState.SUBMITTING
            )
        if row.held_elsewhere_id is not None:
            return PeriodLocked(row.period_start, row.period_end, elsewhere=True)
    return None


def guard_period_write(session: Session, *, school_id: int, day: date) -> None:
    """Refuse a write to a locked period; void an approval of the period being changed."""
    lock_school(session, school_id=school_id)
    rows = _period_rows(session, school_id=school_id, first=day, last=day)
    refusal = _refusal(rows)
    if refusal is not None:
        raise refusal
    _void_covering(session, rows, [day])


@dataclass(frozen=True)
class DaysGuard:
    """The guarded periods met by a set of days, read once under the school's lock (an
    import's whole file): which days are refused, and the approvals their writes void."""

    rows: list[Submission]

    def refusals(self, days: Iterable[date]) -> dict[date, PeriodLocked]:
        """Each day that falls in a submitted (or submitting) period, with its refusal."""
        found = {day: _refusal(_covering(self.rows, day)) for day in days}
        return {day: refusal for day, refusal in found.items() if refusal is not None}

    def void_approvals(self, session: Session, days: Iterable[date]) -> None:
        """Void the approvals of the periods the written ``days`` fall in."""
        _void_covering(session, self.rows, sorted(set(days)))


def guard_days(session: Session, *, school_id: int, days: Iterable[date]) -> DaysGuard:
    """Every guarded period met by ``days``, read (and locked) in one query.

    The caller holds the school's lock (``lock_school``) already: an import takes it once,
    before it reads anything."""
    chosen = sorted(set(days))
    if not chosen:
        return DaysGuard([])
    return DaysGuard(_period_rows(session, school_id=school_id, first=chosen[0], last=chosen[-1]))


def _void_covering(session: Session, rows: list[Submission], days: list[date]) -> None:
    for row in rows:
        if SubmissionState(row.state) is not SubmissionState.APPROVED:
            continue
        touched = [day for day in days if row.period_start <= day <= row.period_end]
        if touched:
            _void(
                row,
                f"Approval voided: attendance on {touched[0].isoformat()} changed after approval.",
            )
            session.add(row)


def void_open_approvals(session: Session, *, school_id: int, reason: str) -> int:
    """Void every approved-but-not-yet-claimed submission of a school (e.g. a link changed)."""
    rows = session.exec(
        select(Submission)
        .where(Submission.school_id == school_id, Submission.state == str(SubmissionState.APPROVED))
        .with_for_update(key_share=True)
    ).all()
    for row in rows:
        _void(row, f"Approval voided: {reason} after approval.")
        session.add(row)
    return len(rows)


def _void(row: Submission, message: str) -> None:
    row.state = str(SubmissionState.DRAFT)
    row.error = message
    row.updated_at = utcnow()
