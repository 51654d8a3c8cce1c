"""A consultation is one thread: a question, the drafts answering it, and follow-ups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultant.db.base import Base, utcnow


class Consultation(Base):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(16), unique=True)  # e.g. CC-7K2F9, carried in the subject
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | answered | closed
    root_message_id: Mapped[str | None] = mapped_column(String(998), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    questions: Mapped[list[Question]] = relationship(back_populates="consultation", order_by="Question.id")


class Question(Base):
    """One asking message within a consultation (the first mail, or a follow-up)."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    message_id: Mapped[str | None] = mapped_column(String(998), default=None, index=True)
    from_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text, default=None)
    attachments_json: Mapped[str] = mapped_column(Text, default="[]")
    unverified: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="questions")
