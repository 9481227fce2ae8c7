"""The audit trail: who changed what, when, before and after (IDs and times only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from core.services.runtime import Runtime
from core.store.tables import AttendanceRecord, AuditEntry


def snapshot(record: AttendanceRecord) -> dict[str, Any]:
    return {
        "student_id": record.student_id,
        "check_in": record.check_in.isoformat(),
        "check_out": record.check_out.isoformat() if record.check_out else None,
        "source": record.source,
    }


def write_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    school_id: int,
    entity: str,
    entity_id: int | None,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=at,
            actor=actor[:64],
            school_id=school_id,
            entity=entity,
            entity_id=entity_id,
            action=action,
            before=json.dumps(before, sort_keys=True) if before is not None else None,
            after=json.dumps(after, sort_keys=True) if after is not None else None,
        )
    )


def audit_stay(
    session: Session,
    rt: Runtime,
    *,
    actor: str,
    record: AttendanceRecord,
    action: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    """One audit entry for one record's change (IDs and times, never names)."""
    write_audit(
        session,
        at=rt.now(),
        actor=actor,
        school_id=record.school_id,
        entity="attendance",
        entity_id=record.id,
        action=action,
        before=before,
        after=after,
    )


def save_stay_change(
    session: Session,
    rt: Runtime,
    record: AttendanceRecord,
    *,
    before: dict[str, object],
    actor: str,
    action: str,
) -> None:
    """Stamp, stage and audit a change made to ``record`` since ``before`` was taken."""
    record.updated_at = rt.now()
    session.add(record)
    audit_stay(
        session,
        rt,
        actor=actor,
        record=record,
        action=action,
        before=before,
        after=snapshot(record),
    )


def delete_stay(session: Session, rt: Runtime, record: AttendanceRecord, *, actor: str) -> None:
    """Delete ``record``, its last state kept in the audit log."""
    audit_stay(
        session,
        rt,
        actor=actor,
        record=record,
        action="delete",
        before=snapshot(record),
        after=None,
    )
    session.delete(record)
