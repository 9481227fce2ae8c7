"""A pay period's submission as Rollcall records it, and how it is read.

The protocol that moves it lives in :mod:`core.services.approvals` (approve, withdraw)
and :mod:`core.services.sending` (claim, send once, reconcile); docs/ARCHITECTURE.md
draws its state machine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from core.domain.pay_periods import PayPeriod
from core.domain.submission import (
    SubmissionState,
)
from core.errors import (
    InvalidInput,
)
from core.i18n import _
from core.services.runtime import Runtime
from core.services.schools import get_school
from core.store.tables import Submission

log = logging.getLogger(__name__)

S = SubmissionState


@dataclass(frozen=True)
class SubmissionView:
    id: int
    school_id: int
    period_start: date
    period_end: date
    state: SubmissionState
    provider_id: str
    record_count: int
    approved_by: str
    approved_at: datetime
    kindertrack_submission_id: str | None
    received_at: datetime | None
    error: str | None
    accepted: int | None = None
    refused: tuple[tuple[str, str], ...] = ()
    """KinderTrack's per-child refusals (child ID, reason): care that will not be paid."""
    held_elsewhere_id: str | None = None
    """Rejected because KinderTrack holds a submission Rollcall did not send (its ID)."""
    undo_until: datetime | None = None
    """Until when the approval may be withdrawn (None: it goes at once)."""

    def status_json(self) -> dict[str, object]:
        return {
            "state": str(self.state),
            "submission_id": self.id,
            "kindertrack_submission_id": self.kindertrack_submission_id,
            "error": self.error,
        }

    @classmethod
    def of(cls, row: Submission) -> SubmissionView:
        return cls.of_columns({name: getattr(row, name) for name in VIEW_COLUMNS})

    @classmethod
    def of_columns(cls, row: Mapping[str, Any]) -> SubmissionView:
        """The view of a row read as columns (a Core statement's RETURNING, say)."""
        return cls(
            id=row["id"] or 0,
            school_id=row["school_id"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            state=SubmissionState(row["state"]),
            provider_id=row["provider_id"],
            record_count=row["record_count"],
            approved_by=row["approved_by"],
            approved_at=row["approved_at"],
            undo_until=row["undo_until"],
            kindertrack_submission_id=row["kindertrack_submission_id"],
            received_at=row["received_at"],
            error=row["error"],
            accepted=row["accepted"],
            refused=tuple(
                (str(r["child_id"]), str(r["reason"])) for r in json.loads(row["refused"] or "[]")
            ),
            held_elsewhere_id=row["held_elsewhere_id"],
        )


VIEW_COLUMNS = (
    "id",
    "school_id",
    "period_start",
    "period_end",
    "state",
    "provider_id",
    "record_count",
    "approved_by",
    "approved_at",
    "undo_until",
    "kindertrack_submission_id",
    "received_at",
    "error",
    "accepted",
    "refused",
    "held_elsewhere_id",
    "attempts",
)
"""The columns :meth:`SubmissionView.of_columns` and :func:`log_columns` read."""


DRAFT_STATUS: dict[str, object] = {
    "state": str(S.DRAFT),
    "submission_id": None,
    "kindertrack_submission_id": None,
    "error": None,
}


def current_row(
    session: Session, *, school_id: int, start: date, end: date, lock: bool = False
) -> Submission | None:
    """The period's submission that is not rejected (at most one: a partial unique index)."""
    query = select(Submission).where(
        Submission.school_id == school_id,
        Submission.period_start == start,
        Submission.period_end == end,
        Submission.state != str(S.REJECTED),
    )
    if lock:
        query = query.with_for_update(key_share=True)
    return session.exec(query).first()


def log_state(row: Submission, event: str) -> None:
    """One structured line per state change (IDs and states, never names)."""
    log_columns({name: getattr(row, name) for name in VIEW_COLUMNS}, event)


def log_columns(row: Mapping[str, Any], event: str) -> None:
    """:func:`log_state` of a row read as columns."""
    log.info(
        f"submission {event}",
        extra={
            "event": "state_change",
            "submission_id": row["id"],
            "school_id": row["school_id"],
            "period": f"{row['period_start']}/{row['period_end']}",
            "state": row["state"],
            "attempts": row["attempts"],
        },
    )


def submission_status(
    rt: Runtime, *, school_id: int, start: date, end: date, team_id: str | None = None
) -> SubmissionView | None:
    """The period's live submission, or the latest rejected one, or None (still a draft)."""
    with rt.session() as session:
        get_school(session, school_id=school_id, team_id=team_id)
        row = (
            current_row(session, school_id=school_id, start=start, end=end)
            or session.exec(
                select(Submission)
                .where(
                    Submission.school_id == school_id,
                    Submission.period_start == start,
                    Submission.period_end == end,
                )
                .order_by(col(Submission.id).desc())
            ).first()
        )
        return SubmissionView.of(row) if row else None


def submission_statuses(
    session: Session, periods: dict[int, PayPeriod]
) -> dict[int, SubmissionView | None]:
    """What :func:`submission_status` says for each school's period, read in one query."""
    found: dict[int, SubmissionView | None] = dict.fromkeys(periods)
    if not periods:
        return found
    rows = session.exec(
        select(Submission)
        .where(
            col(Submission.school_id).in_(list(periods)),
            col(Submission.period_start).in_({p.start for p in periods.values()}),
        )
        .order_by(col(Submission.id))
    ).all()
    live: set[int] = set()
    for row in rows:
        period = periods[row.school_id]
        if (row.period_start, row.period_end) != (period.start, period.end):
            continue
        if row.state != S.REJECTED:
            live.add(row.school_id)
            found[row.school_id] = SubmissionView.of(row)
        elif row.school_id not in live:
            found[row.school_id] = SubmissionView.of(row)
    return found


def get_submission(rt: Runtime, *, submission_id: int) -> SubmissionView:
    with rt.session() as session:
        row = session.get(Submission, submission_id)
        if row is None:
            raise InvalidInput(_("No submission {id}.", id=submission_id))
        return SubmissionView.of(row)


def sent_records(rt: Runtime, *, submission_id: int) -> list[dict[str, str]]:
    """Exactly what was (or is being) sent, for the director's copy."""
    with rt.session() as session:
        row = session.get(Submission, submission_id)
        return json.loads(row.payload or "[]") if row else []
