"""Writing the audit trail: one function, so every event has the same shape wherever it is recorded."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from consultant.models import AuditEvent

MAX_DETAIL = 4000


def record_event(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: int,
    detail: str = "",
    coder_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session (the caller commits)."""
    event = AuditEvent(
        at=at,
        actor=actor,
        coder_id=coder_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail[:MAX_DETAIL],
    )
    session.add(event)
    return event
