"""A draft is the reply being prepared for one question; a coder claims, edits and approves it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow

# pending -> (claimed) -> approved -> sent ; pending -> rejected ; pending -> info_requested
DRAFT_STATES = ("pending", "approved", "sent", "rejected", "info_requested", "expired")


class Draft(Base):
    __tablename__ = "draft"
    # The review queue lists one state oldest (or newest) first, and counts per state with or without codes:
    # these indexes serve both without reading the wide rows.
    __table_args__ = (
        Index("ix_draft_state_created_at", "state", "created_at"),
        Index("ix_draft_has_codes_state", "has_codes", "state", "created_at"),
        # The dashboard's queue depth and turnaround read the drafts decided (or not) in a window.
        Index("ix_draft_decided_at", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultation.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    # Optimistic concurrency: every change bumps it; a write naming an older version is refused.
    version: Mapped[int] = mapped_column(default=1)
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("coder.id"), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The facts found for the question (codes, descriptions, notes, edits, quota), as JSON: a snapshot,
    # so the reply says what the coder saw even if a code set is re-imported later.
    facts_json: Mapped[str] = mapped_column(Text, default="{}")
    # The draft body shown to the coder, rendered from templates/draft/.
    content: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")  # Markdown written by the coder
    reason: Mapped[str] = mapped_column(Text, default="")  # rejection reason / info request
    has_codes: Mapped[bool] = mapped_column(default=False)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("coder.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
