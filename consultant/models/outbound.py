"""The outbox: replies and notices waiting to go out, with retry state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow

OUTBOUND_STATES = ("queued", "sending", "sent", "dead")


class OutboundMessage(Base):
    __tablename__ = "outbound_message"
    # The notice rate limit asks "when did this kind last go to this address?" for every draft.
    __table_args__ = (Index("ix_outbound_message_recipient", "to_address", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="reply")  # reply | notice
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), default=None, unique=True)
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id"), default=None, index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    message_id: Mapped[str] = mapped_column(String(998), unique=True)  # stable: a resend is recognisable
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
