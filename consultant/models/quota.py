"""The quota ledger: one row per code page view, reserved for a draft, then charged or released."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow

QUOTA_STATES = ("reserved", "charged", "released")


class QuotaEntry(Base):
    __tablename__ = "quota_entry"
    __table_args__ = (Index("ix_quota_entry_account_state", "account_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("draft.id"), default=None, index=True)
    code_page: Mapped[str] = mapped_column(String(40))  # "<system>:<code>", e.g. "icd10cm:E11.22"
    state: Mapped[str] = mapped_column(String(10), default="reserved")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(default=None)
