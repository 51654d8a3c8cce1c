"""Flushing the outbox: send each due message, then record it sent and charge the views, in one commit.

A crash after sending but before the commit resends the same bytes with the same Message-ID, which the
receiving side can recognise; nothing is ever charged for a reply that did not go out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.db.engine import is_sqlite
from consultant.models import Consultation, Draft, OutboundMessage
from consultant.outbound.retry import gives_up, next_attempt
from consultant.outbound.transport import PermanentError, TransientError, Transport
from consultant.quota import ledger

if TYPE_CHECKING:
    from consultant.app import App

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FlushResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def _claim_due(session: Session, now: datetime, skip_locked: bool) -> OutboundMessage | None:
    stmt = (
        select(OutboundMessage)
        .where(OutboundMessage.state == "queued", OutboundMessage.next_attempt_at <= now)
        .order_by(OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(1)
    )
    if skip_locked:
        stmt = stmt.with_for_update(skip_locked=True)
    return session.scalars(stmt).first()


def _on_sent(session: Session, row: OutboundMessage, now: datetime) -> None:
    row.state, row.sent_at, row.last_error = "sent", now, ""
    if row.draft_id is not None and row.kind == "reply":
        draft = session.get_one(Draft, row.draft_id)
        draft.state = "sent"
        draft.updated_at = now
        ledger.charge(session, draft.id, now)
        consultation = session.get_one(Consultation, draft.consultation_id)
        consultation.status = "answered"
        consultation.updated_at = now


def send_one(session: Session, row: OutboundMessage, transport: Transport, sender: str, now: datetime) -> str:
    row.attempts += 1
    try:
        transport.send(row.raw, sender, [row.to_address])
    except TransientError as exc:
        row.last_error = str(exc)[:2000]
        if gives_up(row.attempts):
            row.state = "dead"
            return "dead"
        row.next_attempt_at = next_attempt(now, row.attempts)
        return "retrying"
    except PermanentError as exc:
        row.state, row.last_error = "dead", str(exc)[:2000]
        return "dead"
    _on_sent(session, row, now)
    return "sent"


def flush_outbox(app: App, now: datetime | None = None, limit: int = 500) -> FlushResult:
    """Send every due message. Several workers may run this at once on PostgreSQL (SKIP LOCKED)."""
    counts = {"sent": 0, "retrying": 0, "dead": 0}
    skip_locked = not is_sqlite(app.settings.database_url)
    for _ in range(limit):
        when = now or app.clock()
        with app.sessions() as session, session.begin():
            row = _claim_due(session, when, skip_locked)
            if row is None:
                break
            result = send_one(session, row, app.transport, app.settings.service_address, when)
            log.info("outbox #%s to %s: %s", row.id, row.to_address, result)
        counts[result] += 1
    return FlushResult(**counts)


def retry_dead(session: Session, outbound_id: int, now: datetime) -> OutboundMessage:
    """An operator asks to try an undeliverable message again."""
    row = session.get_one(OutboundMessage, outbound_id)
    if row.state == "dead":
        row.state, row.attempts, row.next_attempt_at = "queued", 0, now
    return row
