"""Putting a message in the outbox: a row in the same transaction as the decision that produced it."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from consultant.models import OutboundMessage

_BY_MESSAGE_ID = select(OutboundMessage.id).where(OutboundMessage.message_id == bindparam("message_id"))


def enqueue(
    session: Session,
    *,
    kind: str,
    to_address: str,
    message: EmailMessage,
    now: datetime,
    consultation_id: int | None = None,
    draft_id: int | None = None,
) -> OutboundMessage:
    """Queue a message once: the Message-ID is unique, so enqueueing the same message again returns it."""
    message_id = str(message["Message-ID"])
    # The id first: the row (with its raw bytes) is loaded only in the rare case it exists.
    existing_id = session.scalar(_BY_MESSAGE_ID, {"message_id": message_id})
    if existing_id is not None:
        return session.get_one(OutboundMessage, existing_id)
    row = OutboundMessage(
        kind=kind,
        draft_id=draft_id,
        consultation_id=consultation_id,
        to_address=to_address,
        message_id=message_id,
        raw=message.as_bytes(policy=SMTP),
        state="queued",
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
