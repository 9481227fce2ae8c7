"""Sending an approved submission to KinderTrack exactly once (docs/ARCHITECTURE.md).

The database, not the queue, is the record of what is owed. A worker claims a row
(approved → submitting) with a lease, sends with the (provider, period) idempotency key,
and records the answer. A row found in ``submitting`` after its lease expired was left by
a crashed worker: KinderTrack is asked whether it holds the submission before any resend.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Table, and_, or_, update
from sqlmodel import Session, col, select

from core import messages
from core.domain.submission import (
    EncodedRecords,
    SubmissionState,
    canonical_records,
    check_transition,
    is_current_fingerprint,
    same_records,
)
from core.errors import (
    AlreadySubmitted,
    InactiveProvider,
    InvalidInput,
    KinderTrackError,
    KinderTrackUnavailable,
    OutcomeUnknown,
    ProviderNotFound,
    Unauthorized,
)
from core.i18n import _
from core.ports import KinderTrack, SubmissionReceipt
from core.services.approvals import in_undo_window
from core.services.leases import keeper
from core.services.reports import ReportRequest, load_reports
from core.services.runtime import Runtime
from core.services.schools import mark_provider_inactive
from core.services.submissions import (
    VIEW_COLUMNS,
    SubmissionView,
    get_submission,
    log_columns,
    log_state,
)
from core.services.submissions_guard import lock_school_of_submission
from core.store.tables import Submission

log = logging.getLogger(__name__)

S = SubmissionState


@dataclass(frozen=True)
class _Claim:
    """What one worker took ownership of. ``attempt`` is the row's attempt number at the
    claim: every later write checks it, so a worker whose lease was taken over (it was too
    slow, or thought dead) can no longer change the row."""

    attempt: int
    reconcile_first: bool
    provider_id: str
    start: date
    end: date
    key: str
    records: EncodedRecords
    payload_pending: str | None
    """Records to persist as "what was sent" once reconciliation has found nothing."""
    sent: tuple[str, ...] = ()
    """Every payload (JSON) an attempt of this submission may have sent: a submission
    KinderTrack holds with one of these records is Rollcall's."""


@dataclass(frozen=True)
class RunResult:
    submission: SubmissionView
    changed: bool
    """True when this run moved the submission to a state the director should hear about."""


def run_submission(rt: Runtime, *, submission_id: int, undoable: bool = True) -> RunResult:
    """Drive one submission as far as it can go now.

    An approval younger than ``rt.undo_window`` is left alone while ``undoable`` (the
    director may still withdraw it; the delayed message or the sweep comes back for it);
    the operator's ``rollcall submit --yes`` passes False: it is sent at once.

    Raises KinderTrackUnavailable (retryable) when KinderTrack could not be reached. When
    nothing can have reached KinderTrack the row is ``approved`` again; when a request may
    have (OutcomeUnknown) and KinderTrack cannot say, it stays ``submitting``, so its
    attendance stays locked until a retry or the sweep reconciles it. While KinderTrack
    calls are in flight the claim's lease is renewed, so only a dead (or frozen) worker's
    submission is taken over.
    """
    claim, view = _claim(rt, submission_id, undoable=undoable)
    if claim is None:
        return RunResult(view, changed=view.state is S.DRAFT and view.error is not None)
    with keeper.kept(rt, submission_id, claim.attempt):
        return _drive(rt, submission_id, claim)


def _drive(rt: Runtime, submission_id: int, claim: _Claim) -> RunResult:
    kt = rt.kindertrack
    try:
        if claim.reconcile_first:
            held = _reconcile(kt, claim)
            if held is not None:
                return _settle(rt, submission_id, claim, held)
        if claim.payload_pending is not None:
            _record_payload(rt, submission_id, claim)
        receipt = kt.submit_attendance(
            claim.provider_id, claim.start, claim.end, claim.records, idempotency_key=claim.key
        )
        if not _answers(receipt, claim):
            raise OutcomeUnknown("KinderTrack's answer does not name the pay period sent")
    except AlreadySubmitted:
        # Our own earlier attempt (a KinderTrack that ignores Idempotency-Key answers a
        # replay so), or someone else's submission: KinderTrack's records tell which.
        held = _reconcile_or_keep(rt, submission_id, claim)
        if held is None:
            _keep_submitting(rt, submission_id, claim)
            raise OutcomeUnknown(
                "KinderTrack says the period is already submitted but shows no submission for it"
            ) from None
        return _settle(rt, submission_id, claim, held)
    except OutcomeUnknown:
        held = _reconcile_or_keep(rt, submission_id, claim)
        if held is not None:
            return _settle(rt, submission_id, claim, held)
        _release(rt, submission_id, claim, "KinderTrack did not answer; Rollcall will try again.")
        raise
    except KinderTrackUnavailable as error:
        if claim.reconcile_first:
            _keep_submitting(rt, submission_id, claim)
        else:
            _release(
                rt,
                submission_id,
                claim,
                f"KinderTrack is unavailable ({error}); Rollcall will try again.",
            )
        raise
    except Unauthorized as error:
        # Rollcall's key, not the director's data: the operator fixes it, the sweep resends.
        log.error("KinderTrack refused the API key", extra={"event": "unauthorized"})
        _release(rt, submission_id, claim, str(error))
        return RunResult(get_submission(rt, submission_id=submission_id), changed=True)
    except (InactiveProvider, ProviderNotFound) as error:
        return _finish_rejected(rt, submission_id, claim, str(error), provider_inactive=True)
    except KinderTrackError as error:
        return _finish_rejected(rt, submission_id, claim, str(error))
    return _finish_submitted(rt, submission_id, claim, receipt, via="answer")


@dataclass(frozen=True)
class _Held:
    """A submission KinderTrack holds for the claim's (provider, period)."""

    receipt: SubmissionReceipt
    payload: str | None
    """What Rollcall sent that KinderTrack holds (JSON); None: not Rollcall's."""


def _answers(receipt: SubmissionReceipt, claim: _Claim) -> bool:
    """Whether KinderTrack's receipt can be the answer to this claim (trust nothing else)."""
    return bool(receipt.submission_id.strip()) and (
        receipt.period_start in (None, claim.start) and receipt.period_end in (None, claim.end)
    )


def _reconcile(kt: KinderTrack, claim: _Claim) -> _Held | None:
    """What KinderTrack holds for the claim's provider and period, and whether it is ours.

    Only a submission of the same provider and period counts. It is ours when its records
    are exactly what one of this claim's attempts sent (contract v2's submission detail):
    KinderTrack does not return the idempotency key, and a submission of other records
    (the portal's) must never be recorded as Rollcall's.
    """
    candidates = [
        r
        for r in kt.find_submissions(claim.provider_id, claim.start, claim.end)
        if r.period_start in (None, claim.start) and r.period_end in (None, claim.end)
    ]
    not_ours: SubmissionReceipt | None = None
    for receipt in candidates:
        held = kt.get_submission(claim.provider_id, receipt.submission_id)
        if held is None:
            raise KinderTrackUnavailable(
                "KinderTrack lists a submission for the period but does not show it"
            )
        detail = held.receipt
        if (detail.period_start, detail.period_end) != (claim.start, claim.end):
            continue
        for payload in claim.sent:
            if same_records(held.records, json.loads(payload)):
                return _Held(detail, payload)
        not_ours = not_ours or detail
    return _Held(not_ours, None) if not_ours is not None else None


def _reconcile_or_keep(rt: Runtime, submission_id: int, claim: _Claim) -> _Held | None:
    """Reconcile after an answer that may hide a commit; if KinderTrack cannot say, the row
    stays ``submitting`` (attendance locked) and the error goes up to be retried."""
    try:
        return _reconcile(rt.kindertrack, claim)
    except KinderTrackUnavailable:
        _keep_submitting(rt, submission_id, claim)
        raise


def _settle(rt: Runtime, submission_id: int, claim: _Claim, held: _Held) -> RunResult:
    if held.payload is None:
        return _finish_held_elsewhere(rt, submission_id, claim, held.receipt)
    return _finish_submitted(
        rt, submission_id, claim, held.receipt, via="reconciliation", payload=held.payload
    )


def _claim(
    rt: Runtime, submission_id: int, *, undoable: bool = True
) -> tuple[_Claim | None, SubmissionView]:
    now = rt.now()
    with rt.session() as session:
        version = lock_school_of_submission(session, submission_id=submission_id)
        row = session.exec(
            select(Submission).where(Submission.id == submission_id).with_for_update(key_share=True)
        ).first()
        if version is None or row is None:
            raise InvalidInput(_("No submission {id}.", id=submission_id))
        state = S(row.state)
        if state is S.APPROVED and undoable and in_undo_window(row, now):
            return None, SubmissionView.of(row)
        payload_pending: str | None = None
        if state is S.APPROVED:
            payload = _approved_unchanged(row, version) or _judged_again(rt, session, row, now)
            if payload is None:
                return None, SubmissionView.of(row)
            records = EncodedRecords(payload)
            reconcile_first = row.attempts > 0
            if reconcile_first:
                # An earlier attempt may be what KinderTrack holds: keep its payload as
                # "what was sent" until reconciliation shows KinderTrack has nothing.
                payload_pending = payload
            else:
                row.payload = payload
                row.record_count = len(records)
            row.state = str(check_transition(state, S.SUBMITTING))
        elif state is S.SUBMITTING:
            if row.lease_until is not None and row.lease_until > now:
                return None, SubmissionView.of(row)
            records = EncodedRecords(row.payload or "[]")
            reconcile_first = True
        else:
            return None, SubmissionView.of(row)
        row.attempts += 1
        row.lease_until = now + rt.submission_lease
        row.updated_at = now
        session.add(row)
        log_state(row, "claimed")
        sent = tuple(dict.fromkeys(p for p in (row.payload, payload_pending) if p is not None))
        return _Claim(
            attempt=row.attempts,
            reconcile_first=reconcile_first,
            provider_id=row.provider_id,
            start=row.period_start,
            end=row.period_end,
            key=row.idempotency_key,
            records=records,
            payload_pending=payload_pending,
            sent=sent,
        ), SubmissionView.of(row)


def _approved_unchanged(row: Submission, version: int) -> str | None:
    """The records the approval covered (JSON, as sent), when nothing a report is made of
    has changed since: the school's report version is the one the approval saw, and the
    approval was judged by the rules of this Rollcall. None: judge the report again."""
    if row.approved_payload is None or row.report_version != version:
        return None
    return row.approved_payload if is_current_fingerprint(row.fingerprint) else None


def _judged_again(rt: Runtime, session: Session, row: Submission, now: datetime) -> str | None:
    """The records to send (JSON) when the report read now still has the approved
    fingerprint and can be submitted; otherwise the approval is voided (None)."""
    request = ReportRequest(row.school_id, row.period_start, row.period_end)
    report = load_reports(rt, session, [request])[request]
    if report.fingerprint == row.fingerprint and report.can_submit:
        return json.dumps(canonical_records(report.records_to_send))
    row.state = str(check_transition(S(row.state), S.DRAFT))
    row.error = (
        "Approval voided: the attendance changed after it was approved. "
        "Review the report and approve again."
        if is_current_fingerprint(row.fingerprint)
        else "Approval voided: Rollcall was updated since this approval and now "
        "checks approvals another way; nothing was sent. Review the report and "
        "approve again."
    )
    row.updated_at = now
    session.add(row)
    log_state(row, "voided")
    return None


def _update_owned(
    rt: Runtime,
    submission_id: int,
    claim: _Claim,
    event: str | None,
    values: dict[str, object],
    *,
    then: Callable[[Session, SubmissionView], None] | None = None,
) -> SubmissionView | None:
    """Write ``values`` to the row if this claim still owns it (still submitting, same
    attempt), in one fenced UPDATE that returns the row as written; None when a newer
    attempt took it over or the row moved on (then nothing is changed). ``then`` runs in
    the same transaction, only when the row was written; ``event`` (a state change) is
    logged. A Core statement read as columns: the ORM's UPDATE … RETURNING and a
    ``Submission`` made of its answer cost more CPU than the rest of the finish."""
    table: Table = Submission.__table__  # type: ignore[attr-defined]
    with rt.session() if then is not None else rt.statement() as session:
        written = (
            session.connection()
            .execute(
                update(table)
                .where(
                    table.c.id == submission_id,
                    table.c.state == str(S.SUBMITTING),
                    table.c.attempts == claim.attempt,
                )
                .values(**values, updated_at=rt.now())
                .returning(*(table.c[name] for name in VIEW_COLUMNS))
            )
            .mappings()
            .first()
        )
        if written is None:
            left = session.get(Submission, submission_id)
            if left is not None:
                log_state(left, "left to a newer attempt")
            return None
        columns = dict(written)
        view = SubmissionView.of_columns(columns)
        if then is not None:
            then(session, view)
        if event is not None:
            log_columns(columns, event)
        return view


def _record_payload(rt: Runtime, submission_id: int, claim: _Claim) -> None:
    if claim.payload_pending is not None:
        _update_owned(
            rt,
            submission_id,
            claim,
            None,
            {"payload": claim.payload_pending, "record_count": len(claim.records)},
        )


def _finish_submitted(
    rt: Runtime,
    submission_id: int,
    claim: _Claim,
    receipt: SubmissionReceipt,
    *,
    via: str,
    payload: str | None = None,
) -> RunResult:
    """KinderTrack holds what Rollcall sent (``payload``, when reconciliation found which
    attempt's records): record its receipt, whatever the length of its fields."""
    values: dict[str, object] = {
        "state": str(check_transition(S.SUBMITTING, S.SUBMITTED)),
        "kindertrack_submission_id": receipt.submission_id,
        "received_at": receipt.received_at,
        "accepted": receipt.accepted,
        "refused": json.dumps(
            [{"child_id": child, "reason": reason} for child, reason in receipt.rejected]
        ),
        "error": None,
        "lease_until": None,
    }
    if payload is not None:
        values |= {"payload": payload, "record_count": len(json.loads(payload))}
    written = _update_owned(rt, submission_id, claim, f"submitted via {via}", values)
    return _result(rt, submission_id, written)


def _result(rt: Runtime, submission_id: int, written: SubmissionView | None) -> RunResult:
    """The director hears of a row this run wrote; one a newer attempt owns is left be."""
    if written is None:
        return RunResult(get_submission(rt, submission_id=submission_id), changed=False)
    return RunResult(written, changed=True)


def _finish_held_elsewhere(
    rt: Runtime, submission_id: int, claim: _Claim, receipt: SubmissionReceipt
) -> RunResult:
    """KinderTrack holds a submission for the period that Rollcall did not send: nothing
    of ours was or will be sent; the director hears so, with the corrected-claim contact."""
    values: dict[str, object] = {
        "state": str(check_transition(S.SUBMITTING, S.REJECTED)),
        "error": messages.held_elsewhere(receipt.submission_id),
        "held_elsewhere_id": receipt.submission_id,
        "lease_until": None,
    }
    written = _update_owned(rt, submission_id, claim, "held elsewhere", values)
    return _result(rt, submission_id, written)


def _finish_rejected(
    rt: Runtime,
    submission_id: int,
    claim: _Claim,
    message: str,
    *,
    provider_inactive: bool = False,
) -> RunResult:
    values: dict[str, object] = {
        "state": str(check_transition(S.SUBMITTING, S.REJECTED)),
        "error": message,
        "lease_until": None,
    }

    def mark_inactive(session: Session, row: SubmissionView) -> None:
        mark_provider_inactive(session, school_id=row.school_id)

    written = _update_owned(
        rt,
        submission_id,
        claim,
        "rejected",
        values,
        then=mark_inactive if provider_inactive else None,
    )
    return _result(rt, submission_id, written)


def _release(rt: Runtime, submission_id: int, claim: _Claim, message: str) -> None:
    """Nothing reached KinderTrack: back to approved, so the next attempt sends again."""
    values: dict[str, object] = {
        "state": str(check_transition(S.SUBMITTING, S.APPROVED)),
        "error": message,
        "lease_until": None,
    }
    _update_owned(rt, submission_id, claim, "released for retry", values)


def _keep_submitting(rt: Runtime, submission_id: int, claim: _Claim) -> None:
    """The outcome is unknown and KinderTrack cannot say: stay submitting (attendance locked)
    and let the next retry or the sweep reconcile at once (lease given up)."""
    values: dict[str, object] = {
        "error": "KinderTrack did not confirm yet; Rollcall keeps checking.",
        "lease_until": None,
    }
    _update_owned(rt, submission_id, claim, "outcome unknown", values)


def stuck_submissions(rt: Runtime, *, idle_for: timedelta) -> list[int]:
    """Submissions the database says are owed but nobody is driving: approved and idle for
    ``idle_for``, or submitting with an expired lease (a worker died mid-send: a live one
    renews its lease, and with it ``updated_at``, every third of a lease).

    An approval is never re-driven within its undo window (``Submission.undo_until``); one
    without a window (the operator's) is re-driven as soon as it is idle.

    The rows returned are marked as just re-driven, so a sweep every few seconds during a
    long worker outage queues one message per row per ``idle_for`` (approved) or per lease
    (submitting), not one per row per sweep.
    """
    now = rt.now()
    with rt.session() as session:
        approved = and_(
            col(Submission.state) == str(S.APPROVED),
            col(Submission.updated_at) < now - idle_for,
            or_(col(Submission.undo_until).is_(None), col(Submission.undo_until) < now),
        )
        abandoned = and_(
            col(Submission.state) == str(S.SUBMITTING),
            or_(col(Submission.lease_until).is_(None), col(Submission.lease_until) < now),
            col(Submission.updated_at) < now - min(idle_for, rt.submission_lease),
        )
        rows = session.exec(
            select(Submission)
            .where(or_(approved, abandoned))
            .with_for_update(skip_locked=True, key_share=True)
        ).all()
        for row in rows:
            row.updated_at = now
            session.add(row)
        return sorted(row.id for row in rows if row.id is not None)
