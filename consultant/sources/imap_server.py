"""The IMAP conversation itself: connect, find what waits, fetch bytes, mark what we have recorded.

Nothing here touches the database or the spool; `imap.py` orders these calls around the ledger commit.
"""

from __future__ import annotations

import contextlib
import hashlib
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from imapclient import IMAPClient

from consultant.sources.imap_target import ImapTarget

ClientFactory = Callable[[ImapTarget], IMAPClient]

SEEN = b"\\Seen"
DELETED = b"\\Deleted"
_TIMEOUT_SECONDS = 30.0
# A fetch round trip carries at most this many messages and (beyond its first message) this many bytes.
BATCH_MESSAGES = 50
BATCH_BYTES = 16 * 1024 * 1024
_SIZE_CHUNK = 500


@dataclass(frozen=True)
class Waiting:
    """A message in the mailbox as its envelope data tells us, before we read its bytes."""

    uid: int
    size: int
    internaldate: datetime | None


def connect(target: ImapTarget) -> IMAPClient:
    """The default client factory: connected (TLS for imaps://), not yet logged in."""
    context = ssl.create_default_context() if target.tls else None
    return IMAPClient(
        target.host, port=target.port, ssl=target.tls, ssl_context=context, timeout=_TIMEOUT_SECONDS
    )


def spool_key(ledger_name: str, uidvalidity: int, uid: int, internaldate: datetime | None) -> str:
    """A Maildir name that is the same every time the same server message is fetched, so a fetch repeated
    after a crash overwrites or finds its earlier copy instead of adding a second one. It starts with the
    message's arrival time, as Maildir names do, so the spool keeps arrival order."""
    when = int(internaldate.timestamp()) if internaldate is not None else 0
    box = hashlib.sha256(ledger_name.encode()).hexdigest()[:12]
    return f"{when}.imap-{box}-{uidvalidity}-{uid}"


def pending_uids(client: IMAPClient, move_to: str | None, highest_recorded_uid: int) -> list[int]:
    """UIDs in the selected mailbox that may need our attention, ascending.

    Moved mail leaves the mailbox, so everything still there waits. In flag mode the mail stays, and a
    person reading the mailbox may set \\Seen before we get to it, so \\Seen cannot mean "ours": new mail
    is every UID above the highest one the ledger holds, plus anything unseen (the ledger then tells a
    message a pass recorded but did not flag from a new one)."""
    if move_to:
        return sorted(int(u) for u in client.search(["UNDELETED"]))
    # "n:*" always includes the highest UID, even when it is below n, hence the filter.
    above = {int(u) for u in client.search(["UNDELETED", "UID", f"{highest_recorded_uid + 1}:*"])}
    unseen = {int(u) for u in client.search(["UNDELETED", "UNSEEN"])}
    return sorted({u for u in above if u > highest_recorded_uid} | unseen)


def waiting(client: IMAPClient, uids: Sequence[int]) -> list[Waiting]:
    """Sizes and arrival times, without reading any body (so nothing is marked \\Seen)."""
    found: list[Waiting] = []
    for start in range(0, len(uids), _SIZE_CHUNK):
        chunk = list(uids[start : start + _SIZE_CHUNK])
        data: Mapping[int, Mapping[bytes, Any]] = client.fetch(chunk, ["RFC822.SIZE", "INTERNALDATE"])
        for uid in chunk:
            item = data.get(uid)
            if item is None:  # expunged by someone else since the search
                continue
            found.append(Waiting(uid, int(item.get(b"RFC822.SIZE", 0)), item.get(b"INTERNALDATE")))
    return found


def batches(messages: Sequence[Waiting]) -> Iterator[list[Waiting]]:
    """Group for fetching: bounded in count and in bytes, but never empty."""
    batch: list[Waiting] = []
    total = 0
    for m in messages:
        if batch and (len(batch) >= BATCH_MESSAGES or total + m.size > BATCH_BYTES):
            yield batch
            batch, total = [], 0
        batch.append(m)
        total += m.size
    if batch:
        yield batch


def fetch_bodies(client: IMAPClient, uids: Sequence[int]) -> dict[int, bytes]:
    """Raw RFC 5322 bytes by UID; BODY.PEEK leaves \\Seen alone until we have recorded the message."""
    data: Mapping[int, Mapping[bytes, Any]] = client.fetch(list(uids), ["BODY.PEEK[]"])
    return {uid: bytes(item[b"BODY[]"]) for uid, item in data.items() if item.get(b"BODY[]") is not None}


def ensure_folder(client: IMAPClient, folder: str) -> None:
    if not client.folder_exists(folder):
        client.create_folder(folder)


def mark(client: IMAPClient, uids: Sequence[int], move_to: str | None) -> None:
    """Take recorded messages out of the way: move them, or flag them \\Seen when moving is off."""
    if not uids:
        return
    if move_to is None:
        client.add_flags(list(uids), [SEEN], silent=True)
    elif client.has_capability("MOVE"):
        client.move(list(uids), move_to)
    else:
        client.copy(list(uids), move_to)
        client.add_flags(list(uids), [DELETED], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge(list(uids))
        else:
            # Without UIDPLUS, EXPUNGE also removes anything else flagged \Deleted in this mailbox; the
            # mailbox is the service's own, so that is accepted.
            client.expunge()


def close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing to do about it
        with contextlib.suppress(Exception):
            client.shutdown()
