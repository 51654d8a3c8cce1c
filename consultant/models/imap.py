"""What the IMAP source has taken from a mailbox, and the mailbox's polling state.

A message is identified on the server by (mailbox, UIDVALIDITY, UID). A row in `imap_seen` is written in the
same commit that follows the fsync of its spool file, and only after that commit is the message moved or
flagged on the server; so a row means "ours, durable", whatever the server still shows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from consultant.db.base import Base, utcnow


class ImapSeen(Base):
    __tablename__ = "imap_seen"
    __table_args__ = (Index("ix_imap_seen_message", "mailbox", "uidvalidity", "uid", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(400))  # user@host/MAILBOX, never the password
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    spool_key: Mapped[str | None] = mapped_column(String(255), default=None, index=True)  # None if rejected
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(String(40), default="")  # "" = spooled | "oversize"
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImapMailbox(Base):
    """One row per polled mailbox: its last UIDVALIDITY, errors and back-off, and a lease so that two
    workers never poll the same mailbox at once (a conditional UPDATE works the same on SQLite and
    PostgreSQL, and holds no lock while talking to the server)."""

    __tablename__ = "imap_mailbox"

    name: Mapped[str] = mapped_column(String(400), primary_key=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger, default=None)
    uidvalidity_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_poll_at: Mapped[datetime | None] = mapped_column(default=None)
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    leased_by: Mapped[str | None] = mapped_column(String(200), default=None)
    leased_until: Mapped[datetime | None] = mapped_column(default=None)
