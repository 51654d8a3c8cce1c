"""The IMAP source's database side: which UIDs are ours, and each mailbox's UIDVALIDITY, errors and lease.

Every function here is one short transaction; none is open while we talk to the IMAP server.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from consultant.models.imap import ImapMailbox, ImapSeen

log = logging.getLogger(__name__)

# Stay well under SQLite's bound-parameter limit in IN (...) lists.
_IN_CHUNK = 500
# Back-off after consecutive failures: 5 s, 10 s, 20 s … capped at 5 minutes.
_BACKOFF_FIRST = 5.0
_BACKOFF_CAP = 300.0


class Claim(enum.Enum):
    GRANTED = "granted"
    BUSY = "busy"  # another worker holds the lease
    BACKING_OFF = "backing off"  # too soon after a failure


@dataclass(frozen=True)
class SeenMessage:
    uid: int
    spool_key: str | None
    size: int
    reason: str = ""


def backoff_delay(failures: int) -> timedelta:
    """Pure: how long to wait after `failures` consecutive failed polls."""
    if failures <= 0:
        return timedelta(0)
    return timedelta(seconds=min(_BACKOFF_FIRST * 2 ** (failures - 1), _BACKOFF_CAP))


def _ensure_row(sessions: sessionmaker[Session], name: str) -> None:
    try:
        with sessions.begin() as s:
            if s.get(ImapMailbox, name) is None:
                s.add(ImapMailbox(name=name))
    except IntegrityError:
        pass  # another worker created it first: that is all we wanted


def claim(
    sessions: sessionmaker[Session],
    name: str,
    owner: str,
    now: datetime,
    lease_for: timedelta,
    *,
    force: bool = False,
) -> Claim:
    """Take the mailbox's lease unless another worker holds it or, unless `force`, it is backing off."""
    _ensure_row(sessions, name)
    with sessions.begin() as s:
        row = s.get(ImapMailbox, name)
        assert row is not None
        if not force and row.next_attempt_at is not None and row.next_attempt_at > now:
            return Claim.BACKING_OFF
        taken: CursorResult[Any] = s.execute(  # type: ignore[assignment]
            update(ImapMailbox)
            .where(
                ImapMailbox.name == name,
                or_(
                    ImapMailbox.leased_until.is_(None),
                    ImapMailbox.leased_until < now,
                    ImapMailbox.leased_by == owner,
                ),
            )
            .values(leased_by=owner, leased_until=now + lease_for, last_poll_at=now)
            .execution_options(synchronize_session=False)
        )
        return Claim.GRANTED if taken.rowcount == 1 else Claim.BUSY


def renew(sessions: sessionmaker[Session], name: str, owner: str, until: datetime) -> None:
    with sessions.begin() as s:
        s.execute(
            update(ImapMailbox)
            .where(ImapMailbox.name == name, ImapMailbox.leased_by == owner)
            .values(leased_until=until)
            .execution_options(synchronize_session=False)
        )


def release(sessions: sessionmaker[Session], name: str, owner: str) -> None:
    with sessions.begin() as s:
        s.execute(
            update(ImapMailbox)
            .where(ImapMailbox.name == name, ImapMailbox.leased_by == owner)
            .values(leased_by=None, leased_until=None)
            .execution_options(synchronize_session=False)
        )


def note_uidvalidity(sessions: sessionmaker[Session], name: str, uidvalidity: int, now: datetime) -> bool:
    """Remember the mailbox's UIDVALIDITY; True if it differs from the one seen before.

    After a change the server has renumbered the mailbox: ledger rows under the old value stay as a record
    but no longer match any UID, so whatever is still in the mailbox is fetched again (the intake's
    Message-ID + SHA-256 dedupe recognises mail it has already handled)."""
    with sessions.begin() as s:
        row = s.get(ImapMailbox, name)
        assert row is not None
        before = row.uidvalidity
        if before == uidvalidity:
            return False
        row.uidvalidity = uidvalidity
        if before is None:
            return False
        row.uidvalidity_changed_at = now
    log.warning(
        "IMAP %s: UIDVALIDITY changed from %s to %s; earlier ledger rows no longer apply",
        name,
        before,
        uidvalidity,
    )
    return True


def known_uids(
    sessions: sessionmaker[Session], name: str, uidvalidity: int, uids: Sequence[int]
) -> dict[int, str]:
    """Which of these UIDs the ledger already holds, with the reason each was recorded ("" or "oversize")."""
    found: dict[int, str] = {}
    with sessions() as s:
        for start in range(0, len(uids), _IN_CHUNK):
            chunk = uids[start : start + _IN_CHUNK]
            rows = s.execute(
                select(ImapSeen.uid, ImapSeen.reason).where(
                    ImapSeen.mailbox == name,
                    ImapSeen.uidvalidity == uidvalidity,
                    ImapSeen.uid.in_(chunk),
                )
            )
            found.update({uid: reason for uid, reason in rows.tuples()})
    return found


def highest_uid(sessions: sessionmaker[Session], name: str, uidvalidity: int) -> int:
    """The highest UID recorded under this UIDVALIDITY (0 if none): every UID above it is new to us."""
    with sessions() as s:
        found = s.scalar(
            select(func.max(ImapSeen.uid)).where(
                ImapSeen.mailbox == name, ImapSeen.uidvalidity == uidvalidity
            )
        )
        return int(found or 0)


def record(
    sessions: sessionmaker[Session],
    name: str,
    uidvalidity: int,
    messages: Iterable[SeenMessage],
    now: datetime,
) -> None:
    """One commit for a whole batch: after it returns, these UIDs are ours and may be moved on the server."""
    with sessions.begin() as s:
        s.add_all(
            ImapSeen(
                mailbox=name,
                uidvalidity=uidvalidity,
                uid=m.uid,
                spool_key=m.spool_key,
                size=m.size,
                reason=m.reason,
                seen_at=now,
            )
            for m in messages
        )


def note_success(sessions: sessionmaker[Session], name: str, now: datetime) -> None:
    with sessions.begin() as s:
        row = s.get(ImapMailbox, name)
        if row is not None:
            row.last_success_at = now
            row.failures = 0
            row.next_attempt_at = None
            row.last_error = ""


def note_failure(sessions: sessionmaker[Session], name: str, error: str, now: datetime) -> datetime:
    """Record the error and push the next attempt back; returns when the next attempt is due."""
    with sessions.begin() as s:
        row = s.get(ImapMailbox, name)
        if row is None:
            row = ImapMailbox(name=name, failures=0)
            s.add(row)
        row.failures = (row.failures or 0) + 1
        row.last_error = error[:2000]
        row.next_attempt_at = now + backoff_delay(row.failures)
        return row.next_attempt_at


def mailbox_state(sessions: sessionmaker[Session], name: str) -> ImapMailbox | None:
    with sessions() as s:
        return s.get(ImapMailbox, name)


def seen_for(sessions: sessionmaker[Session], name: str) -> list[ImapSeen]:
    with sessions() as s:
        return list(s.scalars(select(ImapSeen).where(ImapSeen.mailbox == name).order_by(ImapSeen.id)))


def counts(sessions: sessionmaker[Session], name: str) -> dict[str, int]:
    """How many messages the ledger holds for this mailbox, by reason ("" = spooled)."""
    with sessions() as s:
        rows = s.execute(
            select(ImapSeen.reason, func.count()).where(ImapSeen.mailbox == name).group_by(ImapSeen.reason)
        )
        return {reason: n for reason, n in rows.tuples()}
