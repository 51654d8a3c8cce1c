"""Accounts: the people and organisations who ask questions, and the addresses that belong to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consultant.db.base import Base, utcnow


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    plan: Mapped[str] = mapped_column(String(40), default="guest")
    status: Mapped[str] = mapped_column(String(20), default="active")  # active | suspended
    verified: Mapped[bool] = mapped_column(default=False)
    # An organisation account owns a mail domain: every address at it belongs here.
    domain: Mapped[str | None] = mapped_column(String(253), unique=True, default=None)
    # Monthly plans count from this moment; the reset job moves it forward.
    period_start: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    addresses: Mapped[list[AccountAddress]] = relationship(back_populates="account", lazy="selectin")


class AccountAddress(Base):
    __tablename__ = "account_address"
    __table_args__ = (UniqueConstraint("address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(320))  # lower-cased addr-spec
    primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship(back_populates="addresses")
