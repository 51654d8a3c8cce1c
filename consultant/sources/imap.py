"""The IMAP source: move raw messages from a mailbox into the spool, and only then out of the mailbox.

Order of one pass, per batch of messages:
  1. fetch BODY.PEEK[] (the server marks nothing),
  2. write each message into the spool under a key derived from (mailbox, UIDVALIDITY, UID) — fsynced,
  3. one database commit records those UIDs in the `imap_seen` ledger,
  4. only then move them to the processed folder (or flag them \\Seen when moving is off).

A crash between 2 and 3 leaves spool files whose messages are fetched again next time: the same key finds
the earlier copy (or overwrites it), so no second draft. A crash between 3 and 4 leaves recorded messages on
the server: the next pass finds their UIDs in the ledger and only moves them.

Mail larger than `Settings.max_message_bytes` is not fetched at all: it is recorded with reason
"oversize" and moved to the rejected folder, where an operator can look at it.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from consultant.app import App
from consultant.settings import SettingsError
from consultant.sources import imap_ledger as ledger
from consultant.sources import imap_server as server
from consultant.sources.imap_server import ClientFactory
from consultant.sources.imap_target import ImapTarget, parse_imap_url

log = logging.getLogger(__name__)

# Renewed after every batch, so only a worker that died mid-pass makes the others wait this long.
LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class PollResult:
    fetched: int = 0  # new messages written into the spool and recorded
    skipped: int = 0  # already recorded (a previous pass stopped before moving them): only moved now
    errors: int = 0
    rejected: int = 0  # oversize: recorded and moved to the rejected folder, not fetched
    error: str = ""  # the last error, for the log and the CLI; never message content
    uidvalidity_changed: bool = False
    not_polled: str = ""  # why nothing was tried: "busy", "backing off", "not configured"

    def summary(self) -> str:
        if self.not_polled:
            return f"not polled: {self.not_polled}" + (f" ({self.error})" if self.error else "")
        text = (
            f"fetched {self.fetched}, skipped {self.skipped}, rejected {self.rejected}, errors {self.errors}"
        )
        if self.uidvalidity_changed:
            text += ", UIDVALIDITY changed"
        return text + (f": {self.error}" if self.error else "")


@dataclass
class _Tally:
    fetched: int = 0
    skipped: int = 0
    rejected: int = 0
    uidvalidity_changed: bool = False
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")

    def result(self, *, error: str = "") -> PollResult:
        return PollResult(
            fetched=self.fetched,
            skipped=self.skipped,
            errors=1 if error else 0,
            rejected=self.rejected,
            error=error,
            uidvalidity_changed=self.uidvalidity_changed,
        )


def poll_once(app: App, client_factory: ClientFactory | None = None, *, force: bool = False) -> PollResult:
    """One pass over the configured mailbox. Never raises for server, network or database trouble: the
    error is logged, recorded on the mailbox's row (which schedules a back-off) and returned.
    `force` ignores the back-off (the CLI's `--once`)."""
    if not app.settings.imap_url:
        return PollResult(not_polled="not configured", error="CONSULTANT_IMAP_URL is not set")
    try:
        target = parse_imap_url(app.settings.imap_url)
    except SettingsError as exc:
        return PollResult(errors=1, error=str(exc), not_polled="not configured")
    tally = _Tally()
    try:
        claim = ledger.claim(app.sessions, target.ledger_name, tally.owner, app.clock(), LEASE, force=force)
    except Exception as exc:  # the database is down: report it, the scheduler tries again later
        log.warning("IMAP %s: cannot claim the mailbox: %s", target.display, exc)
        return PollResult(errors=1, error=f"database: {exc}")
    if claim is not ledger.Claim.GRANTED:
        return PollResult(not_polled=claim.value)
    try:
        _poll(app, target, client_factory or server.connect, tally)
        ledger.note_success(app.sessions, target.ledger_name, app.clock())
    except Exception as exc:
        error = _describe(exc)
        if isinstance(exc, OSError | IMAPClientError):
            log.warning("IMAP %s: %s", target.display, error)
        else:
            log.exception("IMAP %s: unexpected failure", target.display)
        try:
            retry_at = ledger.note_failure(app.sessions, target.ledger_name, error, app.clock())
            log.info("IMAP %s: next attempt at %s", target.display, retry_at.isoformat(timespec="seconds"))
        except Exception:
            log.exception("IMAP %s: could not record the failure", target.display)
        return tally.result(error=error)
    finally:
        try:
            ledger.release(app.sessions, target.ledger_name, tally.owner)
        except Exception:
            log.exception("IMAP %s: could not release the lease", target.display)
    if tally.fetched or tally.skipped or tally.rejected:
        log.info(
            "IMAP %s: fetched %d, marked %d recorded earlier, rejected %d",
            target.display,
            tally.fetched,
            tally.skipped,
            tally.rejected,
        )
    return tally.result()


def _describe(exc: BaseException) -> str:
    # imaplib errors carry the server's response line, never message content.
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:500]


def _poll(app: App, target: ImapTarget, factory: ClientFactory, tally: _Tally) -> None:
    settings = app.settings
    name = target.ledger_name
    move_to = settings.imap_processed_folder
    client: IMAPClient = factory(target)
    try:
        client.login(target.username, target.password)
        selected = client.select_folder(target.mailbox)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        tally.uidvalidity_changed = ledger.note_uidvalidity(app.sessions, name, uidvalidity, app.clock())
        if move_to:
            server.ensure_folder(client, move_to)

        highest = ledger.highest_uid(app.sessions, name, uidvalidity)
        uids = server.pending_uids(client, move_to, highest)
        known = ledger.known_uids(app.sessions, name, uidvalidity, uids)
        # Recorded by an earlier pass that stopped before moving them: move them now, nothing else.
        already = [u for u in uids if known.get(u) == ""]
        server.mark(client, already, move_to)
        already_rejected = [u for u in uids if known.get(u) == "oversize"]
        if already_rejected:
            server.ensure_folder(client, settings.imap_rejected_folder)
            server.mark(client, already_rejected, settings.imap_rejected_folder)
        tally.skipped += len(already) + len(already_rejected)

        fresh = server.waiting(client, [u for u in uids if u not in known])
        oversize = [m for m in fresh if m.size > settings.max_message_bytes]
        if oversize:
            _reject(app, client, name, uidvalidity, oversize, settings.imap_rejected_folder)
            tally.rejected += len(oversize)
        for batch in server.batches([m for m in fresh if m.size <= settings.max_message_bytes]):
            taken = _take(app, client, name, uidvalidity, batch)
            tally.fetched += len(taken)
            # Recorded and durable: now, and only now, the server may forget them.
            server.mark(client, taken, move_to)
            ledger.renew(app.sessions, name, tally.owner, app.clock() + LEASE)
    finally:
        server.close(client)


def _take(
    app: App, client: IMAPClient, name: str, uidvalidity: int, batch: list[server.Waiting]
) -> list[int]:
    """Fetch a batch, spool each message, record them all in one commit; returns the UIDs recorded."""
    bodies = server.fetch_bodies(client, [m.uid for m in batch])
    seen: list[ledger.SeenMessage] = []
    for m in batch:
        raw = bodies.get(m.uid)
        if raw is None:  # expunged by someone else meanwhile
            continue
        key = server.spool_key(name, uidvalidity, m.uid, m.internaldate)
        if not _already_spooled(app, key):
            app.spool.deliver(raw, key)  # fsynced before it returns
        seen.append(ledger.SeenMessage(uid=m.uid, spool_key=key, size=len(raw)))
    if seen:
        ledger.record(app.sessions, name, uidvalidity, seen, app.clock())
    return [m.uid for m in seen]


def _already_spooled(app: App, key: str) -> bool:
    """A previous pass wrote this message, then stopped before its commit; intake may have taken it since."""
    return app.spool.path(key).exists() or (app.quarantine.new / key).exists()


def _reject(
    app: App, client: IMAPClient, name: str, uidvalidity: int, oversize: list[server.Waiting], folder: str
) -> None:
    for m in oversize:
        log.warning(
            "IMAP %s: UID %d is %d bytes, over the %d-byte limit; moving it to %s",
            name,
            m.uid,
            m.size,
            app.settings.max_message_bytes,
            folder,
        )
    ledger.record(
        app.sessions,
        name,
        uidvalidity,
        [ledger.SeenMessage(uid=m.uid, spool_key=None, size=m.size, reason="oversize") for m in oversize],
        app.clock(),
    )
    server.ensure_folder(client, folder)
    server.mark(client, [m.uid for m in oversize], folder)
