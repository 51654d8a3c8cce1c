"""Every message that reached us, with the one state it ended in and why."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow

# Terminal states. `received` is the only non-terminal one.
INBOUND_STATES = ("received", "drafted", "ignored", "duplicate", "quarantined", "held")


class InboundMessage(Base):
    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_dedupe", "message_id", "sha256"),
        Index("ix_inbound_message_source_uid", "source", "source_uid", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # smtp | maildir | imap:<mailbox>
    source_uid: Mapped[str] = mapped_column(String(200))  # spool key, or "<uidvalidity>:<uid>"
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), default=None)
    size: Mapped[int] = mapped_column(default=0)
    from_address: Mapped[str | None] = mapped_column(String(320), default=None)
    subject: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    state: Mapped[str] = mapped_column(String(20), default="received", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation.id", ondelete="SET NULL"), default=None, index=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    processed_at: Mapped[datetime | None] = mapped_column(default=None)
    raw_purged_at: Mapped[datetime | None] = mapped_column(default=None)
