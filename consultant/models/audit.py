"""Audit trail: who did what to which draft, account or message, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320))  # coder email, "system", or "cli"
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("coder.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(30))  # draft | account | inbound_message | ...
    subject_id: Mapped[int] = mapped_column(index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
