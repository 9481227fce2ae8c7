"""The audit trail: who changed what, when, before and after (IDs and times only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

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
