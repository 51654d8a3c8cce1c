"""Review use cases: claim, release, save, approve, reject, request info, note. Each is audited.

Every function takes the session (the caller commits), the acting coder and `now`. Writes that name a
`version` are refused when the draft has moved on, so an outdated browser tab cannot overwrite a newer edit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.audit import record_event
from consultant.models import AuditEvent, Coder, Consultation, Draft, OutboundMessage
from consultant.outbound.outbox import enqueue
from consultant.outbound.reply import reply_message
from consultant.quota import ledger
from consultant.review.context import ReviewContext
from consultant.review.errors import ClaimConflict, InvalidState, NotFound, ReviewError, VersionConflict

CLAIM_TTL = timedelta(minutes=30)
OPEN_STATES = ("pending",)

__all__ = [
    "CLAIM_TTL",
    "ClaimConflict",
    "InvalidState",
    "NotFound",
    "ReviewError",
    "VersionConflict",
    "add_note",
    "approve",
    "claim",
    "reject",
    "release",
    "request_info",
    "save_answer",
]


def audit(
    session: Session, coder: Coder | None, action: str, draft: Draft, now: datetime, detail: str = ""
) -> AuditEvent:
    event = record_event(
        session,
        at=now,
        actor=coder.email if coder else "system",
        coder_id=coder.id if coder else None,
        action=action,
        subject_type="draft",
        subject_id=draft.id,
        detail=detail,
    )
    session.flush()
    return event


def _load(session: Session, draft_id: int) -> Draft:
    # Lock the row for the rest of the transaction (PostgreSQL); SQLite serialises writers anyway.
    draft = session.scalars(select(Draft).where(Draft.id == draft_id).with_for_update()).first()
    if draft is None:
        raise NotFound(f"draft #{draft_id} does not exist")
    return draft


def _claimed_by_other(draft: Draft, coder: Coder, now: datetime, ttl: timedelta) -> bool:
    return (
        draft.claimed_by is not None
        and draft.claimed_by != coder.id
        and draft.claimed_at is not None
        and draft.claimed_at + ttl > now
    )


def _check_open(draft: Draft) -> None:
    if draft.state not in OPEN_STATES:
        raise InvalidState(f"draft #{draft.id} is {draft.state}; it can no longer be changed")


def _check_version(draft: Draft, version: int | None) -> None:
    if version is not None and version != draft.version:
        raise VersionConflict(
            f"draft #{draft.id} was changed since you opened it (your version {version}, now {draft.version}); "
            "reload to see the newer text"
        )


def _writable(
    session: Session,
    draft_id: int,
    coder: Coder,
    version: int | None,
    now: datetime,
    ttl: timedelta = CLAIM_TTL,
) -> Draft:
    draft = _load(session, draft_id)
    _check_open(draft)
    if _claimed_by_other(draft, coder, now, ttl):
        raise ClaimConflict(f"draft #{draft.id} is claimed by another coder")
    _check_version(draft, version)
    return draft


def _bump(draft: Draft, now: datetime) -> None:
    draft.version += 1
    draft.updated_at = now


def claim(session: Session, draft_id: int, coder: Coder, now: datetime, ttl: timedelta = CLAIM_TTL) -> Draft:
    draft = _load(session, draft_id)
    _check_open(draft)
    if _claimed_by_other(draft, coder, now, ttl):
        raise ClaimConflict(f"draft #{draft.id} is already claimed by another coder")
    draft.claimed_by, draft.claimed_at = coder.id, now
    _bump(draft, now)
    audit(session, coder, "claim", draft, now)
    return draft


def release(session: Session, draft_id: int, coder: Coder, now: datetime) -> Draft:
    draft = _load(session, draft_id)
    if draft.claimed_by not in (None, coder.id) and coder.role != "admin":
        raise ClaimConflict(
            f"draft #{draft.id} is claimed by another coder; only they or an admin can release it"
        )
    draft.claimed_by, draft.claimed_at = None, None
    _bump(draft, now)
    audit(session, coder, "release", draft, now)
    return draft


def save_answer(
    session: Session, draft_id: int, coder: Coder, answer_md: str, version: int | None, now: datetime
) -> Draft:
    draft = _writable(session, draft_id, coder, version, now)
    draft.answer = answer_md
    _bump(draft, now)
    audit(session, coder, "save", draft, now, f"{len(answer_md)} characters")
    return draft


def approve(
    session: Session,
    ctx: ReviewContext,
    draft_id: int,
    coder: Coder,
    answer_md: str,
    version: int | None,
    now: datetime,
) -> OutboundMessage:
    """Approve and queue the reply. Views stay reserved until the reply is actually sent."""
    if not answer_md.strip():
        raise ReviewError("write an answer before approving")
    draft = _writable(session, draft_id, coder, version, now)
    draft.answer = answer_md
    draft.state, draft.approved_by, draft.decided_at = "approved", coder.id, now
    _bump(draft, now)
    message = reply_message(session, ctx, draft, answer_md)
    outbound = enqueue(
        session,
        kind="reply",
        to_address=str(message["To"]),
        message=message,
        now=now,
        consultation_id=draft.consultation_id,
        draft_id=draft.id,
    )
    audit(session, coder, "approve", draft, now, f"reply {outbound.message_id}")
    return outbound


def reject(
    session: Session,
    ctx: ReviewContext,
    draft_id: int,
    coder: Coder,
    reason: str,
    version: int | None,
    now: datetime,
) -> Draft:
    """Reject without replying (spam, not a coding question, duplicate); the reserved views go back."""
    if not reason.strip():
        raise ReviewError("give a reason for rejecting")
    draft = _writable(session, draft_id, coder, version, now)
    draft.state, draft.reason, draft.decided_at = "rejected", reason, now
    draft.claimed_by = draft.claimed_at = None
    _bump(draft, now)
    released = ledger.release(session, draft.id, now)
    consultation = session.get_one(Consultation, draft.consultation_id)
    consultation.status = "closed"
    audit(session, coder, "reject", draft, now, f"{reason} ({released} view(s) released)")
    return draft


def request_info(
    session: Session,
    ctx: ReviewContext,
    draft_id: int,
    coder: Coder,
    message_md: str,
    version: int | None,
    now: datetime,
) -> OutboundMessage:
    """Ask the sender for more; their reply continues the consultation as a new draft.

    The views reserved for this draft are released: the follow-up draft reserves again, and a code page
    already charged is free, so nothing is paid twice.
    """
    if not message_md.strip():
        raise ReviewError("write what you need to know")
    draft = _writable(session, draft_id, coder, version, now)
    draft.state, draft.reason, draft.decided_at = "info_requested", message_md, now
    _bump(draft, now)
    ledger.release(session, draft.id, now)
    message = reply_message(session, ctx, draft, message_md, kind="info_request")
    outbound = enqueue(
        session,
        kind="info_request",
        to_address=str(message["To"]),
        message=message,
        now=now,
        consultation_id=draft.consultation_id,
        draft_id=draft.id,
    )
    audit(session, coder, "request_info", draft, now)
    return outbound


def add_note(session: Session, draft_id: int, coder: Coder, text: str, now: datetime) -> AuditEvent:
    if not text.strip():
        raise ReviewError("the note is empty")
    draft = _load(session, draft_id)
    return audit(session, coder, "note", draft, now, text)
