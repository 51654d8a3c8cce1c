"""The intake pipeline: drain the spool, run the stages, record exactly one state per message.

The stages are pure functions (parse, classify, question_text, thread, quota rules); this module is the
edge that reads the spool, talks to the database, and moves a spool file on only after its commit.
A crash between commit and move is harmless: the next pass finds the (source, key) already recorded.
"""

from __future__ import annotations

import email.parser
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from consultant.accounts.resolve import account_for_sender
from consultant.accounts.verification import sender_verdict
from consultant.codes.service import CodeService
from consultant.codes.values import CodeFacts, FoundCode
from consultant.drafts.content import render_draft
from consultant.drafts.facts import QuotaView, build_facts
from consultant.intake.classify import Rule, classify, rules_for
from consultant.intake.mail import ParsedMail
from consultant.intake.parse import Unparseable, parse_mail
from consultant.intake.question_text import question_text
from consultant.intake.thread import base_subject, new_token, subject_token
from consultant.intake.verdict import Verdict, quarantined
from consultant.mail.maildir import Maildir
from consultant.models import Account, Consultation, Draft, InboundMessage, OutboundMessage, Question
from consultant.quota import ledger
from consultant.quota.plans import Plans
from consultant.quota.rules import Allocation, allowance
from consultant.settings import Settings
from consultant.sources.drop import settled

if TYPE_CHECKING:
    from consultant.app import App

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IntakeContext:
    settings: Settings
    plans: Plans
    codes: CodeService
    rules: tuple[Rule, ...]
    clock: Callable[[], datetime]

    @classmethod
    def create(
        cls, settings: Settings, plans: Plans, codes: CodeService, clock: Callable[[], datetime]
    ) -> IntakeContext:
        return cls(
            settings, plans, codes, rules_for(settings.max_message_bytes, settings.service_address), clock
        )


@dataclass(frozen=True)
class Outcome:
    inbound_id: int
    state: str
    reason: str
    draft_id: int | None = None
    already_recorded: bool = False


def _record(
    session: Session,
    *,
    source: str,
    key: str,
    raw: bytes,
    sha256: str,
    verdict: Verdict,
    now: datetime,
    mail: ParsedMail | None = None,
    message_id: str | None = None,
    from_address: str | None = None,
    subject: str = "",
) -> InboundMessage:
    row = InboundMessage(
        source=source,
        source_uid=key,
        sha256=sha256,
        message_id=mail.message_id if mail else message_id,
        size=len(raw),
        from_address=mail.from_address if mail else from_address,
        subject=(mail.subject if mail else subject)[:2000],
        raw=raw,
        state=verdict.state,
        reason=verdict.reason,
        received_at=now,
        processed_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _oversize_headers(raw: bytes) -> tuple[str | None, str | None, str]:
    """Read only the header block of a huge message, to record who sent it."""
    headers = email.parser.BytesHeaderParser().parsebytes(raw[:65536])
    return headers.get("Message-ID"), (headers.get("From") or None), str(headers.get("Subject") or "")


def _duplicate_of(session: Session, mail: ParsedMail) -> InboundMessage | None:
    conditions = [InboundMessage.sha256 == mail.sha256]
    if mail.message_id:
        conditions.append(
            (InboundMessage.message_id == mail.message_id)
            & (InboundMessage.from_address == mail.from_address)
        )
    return session.scalars(select(InboundMessage).where(or_(*conditions)).order_by(InboundMessage.id)).first()


def _find_consultation(session: Session, mail: ParsedMail, account: Account) -> Consultation | None:
    """In-Reply-To/References first (our replies' Message-IDs, then earlier questions), then the token."""
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        via_reply = session.scalars(
            select(Consultation)
            .join(OutboundMessage, OutboundMessage.consultation_id == Consultation.id)
            .where(OutboundMessage.message_id.in_(ids))
        ).first()
        if via_reply is None:
            via_reply = session.scalars(
                select(Consultation).join(Question).where(Question.message_id.in_(ids))
            ).first()
        if via_reply is not None and via_reply.account_id == account.id:
            return via_reply
    token = subject_token(mail.subject)
    if token:
        found = session.scalars(select(Consultation).where(Consultation.token == token)).first()
        # A token alone never lets a stranger into someone else's consultation.
        if found is not None and found.account_id == account.id:
            return found
    return None


def _new_consultation(session: Session, mail: ParsedMail, account: Account, now: datetime) -> Consultation:
    while True:
        token = new_token()
        if session.scalars(select(Consultation.id).where(Consultation.token == token)).first() is None:
            break
    consultation = Consultation(
        token=token,
        account_id=account.id,
        subject=base_subject(mail.subject)[:500],
        root_message_id=mail.message_id,
        created_at=now,
        updated_at=now,
    )
    session.add(consultation)
    session.flush()
    return consultation


def _codes_for(ctx: IntakeContext, text: str, on: date) -> tuple[list[FoundCode], CodeFacts]:
    found = ctx.codes.find(text, on)
    facts = ctx.codes.facts(found, on)
    if not found and text.strip():
        facts = CodeFacts(hints=facts.hints, candidates=tuple(ctx.codes.search(text[:500], limit=5)))
    return found, facts


def _draft(
    session: Session, ctx: IntakeContext, mail: ParsedMail, inbound: InboundMessage, now: datetime
) -> Outcome:
    assert mail.from_address is not None
    unverified_reason = ""
    if ctx.settings.require_dmarc:
        verdict = sender_verdict(list(mail.headers), mail.from_address, ctx.settings.authserv_ids)
        if not verdict.verified:
            unverified_reason = verdict.reason
    account = account_for_sender(session, mail.from_address, now)
    if account.status != "active":
        inbound.state, inbound.reason = "ignored", f"account {account.id} is {account.status}"
        return Outcome(inbound.id, inbound.state, inbound.reason)
    consultation = _find_consultation(session, mail, account) or _new_consultation(
        session, mail, account, now
    )
    consultation.status = "open"
    consultation.updated_at = now
    text = question_text(mail)
    question = Question(
        consultation_id=consultation.id,
        inbound_message_id=inbound.id,
        message_id=mail.message_id,
        from_address=mail.from_address,
        subject=mail.subject[:2000],
        text=text,
        html=mail.html,
        attachments_json=_attachments_json(mail),
        unverified=bool(unverified_reason),
        received_at=now,
    )
    session.add(question)
    session.flush()
    on = now.date()
    found, facts = _codes_for(ctx, text, on)
    draft = Draft(
        consultation_id=consultation.id,
        question_id=question.id,
        account_id=account.id,
        has_codes=bool(found),
        created_at=now,
        updated_at=now,
    )
    session.add(draft)
    session.flush()
    pages = [f.page for f in found]
    plan = ctx.plans.get(account.plan)
    if unverified_reason:
        # Held: the coder sees it, but nothing is charged to the account the From header claims.
        allocation = Allocation(shown=(), reserve=(), withheld=tuple(dict.fromkeys(pages)), remaining_after=0)
        remaining = ledger.balance(session, account, ctx.plans).remaining
    else:
        allocation = ledger.reserve(session, account.id, draft.id, pages, ctx.plans, now)
        remaining = allocation.remaining_after
    quota = QuotaView(
        plan=plan.name,
        plan_title=plan.title,
        allowance=allowance(plan),
        remaining=remaining,
        shown=len(allocation.shown),
        withheld=len(allocation.withheld),
        unverified=bool(unverified_reason),
    )
    draft_facts = build_facts(found, facts, allocation, quota, on)
    draft.facts_json = draft_facts.to_json()
    draft.content = render_draft(
        draft_id=draft.id,
        token=consultation.token,
        sender=mail.from_address,
        question=text,
        facts=draft_facts,
        unverified_reason=unverified_reason,
    )
    inbound.consultation_id = consultation.id
    inbound.state = "held" if unverified_reason else "drafted"
    inbound.reason = (
        f"unverified sender ({unverified_reason}); draft #{draft.id} held, nothing charged"
        if unverified_reason
        else f"draft #{draft.id}: {len(found)} code(s), {len(allocation.shown)} shown, "
        f"{len(allocation.withheld)} over quota"
    )
    return Outcome(inbound.id, inbound.state, inbound.reason, draft_id=draft.id)


def _attachments_json(mail: ParsedMail) -> str:
    return json.dumps([a.__dict__ for a in mail.attachments])


def process_message(session: Session, ctx: IntakeContext, raw: bytes, source: str, key: str) -> Outcome:
    """Record one message and decide its fate. The caller commits."""
    existing = session.scalars(
        select(InboundMessage).where(InboundMessage.source == source, InboundMessage.source_uid == key)
    ).first()
    if existing is not None:
        return Outcome(existing.id, existing.state, existing.reason, already_recorded=True)
    now = ctx.clock()
    sha = hashlib.sha256(raw).hexdigest()
    limit = ctx.settings.max_message_bytes
    if len(raw) > limit:
        mid, sender, subject = _oversize_headers(raw)
        verdict = quarantined(f"oversize: {len(raw)} bytes is over the {limit}-byte limit")
        row = _record(
            session,
            source=source,
            key=key,
            raw=raw,
            sha256=sha,
            verdict=verdict,
            now=now,
            message_id=mid,
            from_address=sender,
            subject=subject,
        )
        return Outcome(row.id, row.state, row.reason)
    try:
        mail = parse_mail(raw)
    except Unparseable as exc:
        row = _record(
            session,
            source=source,
            key=key,
            raw=raw,
            sha256=sha,
            verdict=quarantined(f"malformed: {exc}"),
            now=now,
        )
        return Outcome(row.id, row.state, row.reason)
    if mail.from_address is not None:
        duplicate = _duplicate_of(session, mail)
        if duplicate is not None:
            row = _record(
                session,
                source=source,
                key=key,
                raw=raw,
                sha256=sha,
                mail=mail,
                now=now,
                verdict=Verdict("duplicate", f"duplicate of inbound message #{duplicate.id}"),
            )
            return Outcome(row.id, row.state, row.reason)
    verdict = classify(mail, ctx.rules)
    row = _record(
        session,
        source=source,
        key=key,
        raw=raw,
        sha256=sha,
        mail=mail,
        now=now,
        verdict=verdict or Verdict("received", "in progress"),
    )
    if verdict is not None:
        return Outcome(row.id, row.state, row.reason)
    return _draft(session, ctx, mail, row, now)


def drain(
    box: Maildir,
    source: str,
    sessions: Callable[[], Session],
    ctx: IntakeContext,
    quarantine: Maildir,
    limit: int | None = None,
    settle_seconds: float = 0.0,
) -> list[Outcome]:
    """Process every message waiting in `box`; one failing message never stops the others."""
    outcomes: list[Outcome] = []
    for key in box.keys()[:limit]:
        if settle_seconds and not settled(box.new / key, settle_seconds):
            continue  # still being written by whoever dropped it
        try:
            raw = box.read(key)
        except FileNotFoundError:  # another worker took it
            continue
        try:
            with sessions() as session, session.begin():
                outcome = process_message(session, ctx, raw, source, key)
        except Exception as exc:
            log.exception("intake failed for %s/%s", source, key)
            outcome = _record_failure(sessions, ctx, raw, source, key, exc)
        if outcome.state == "quarantined":
            box.move_to(key, quarantine)
        else:
            box.mark_done(key)
        log.info("intake %s/%s -> %s: %s", source, key, outcome.state, outcome.reason)
        outcomes.append(outcome)
    return outcomes


def _record_failure(
    sessions: Callable[[], Session], ctx: IntakeContext, raw: bytes, source: str, key: str, exc: Exception
) -> Outcome:
    verdict = quarantined(f"internal error during intake: {type(exc).__name__}; re-ingest after a fix")
    with sessions() as session, session.begin():
        existing = session.scalars(
            select(InboundMessage).where(InboundMessage.source == source, InboundMessage.source_uid == key)
        ).first()
        if existing is not None:
            return Outcome(existing.id, existing.state, existing.reason, already_recorded=True)
        row = _record(
            session,
            source=source,
            key=key,
            raw=raw,
            sha256=hashlib.sha256(raw).hexdigest(),
            verdict=verdict,
            now=ctx.clock(),
        )
        return Outcome(row.id, row.state, row.reason)


def intake_context(app: App) -> IntakeContext:
    return IntakeContext.create(app.settings, app.plans, app.codes, app.clock)


def drain_spool(app: App, limit: int | None = None, drop_settle_seconds: float = 1.0) -> list[Outcome]:
    """One pass over the spool and the drop folder."""
    ctx = intake_context(app)
    outcomes = drain(app.spool, "spool", app.sessions, ctx, app.quarantine, limit)
    outcomes += drain(app.drop, "drop", app.sessions, ctx, app.quarantine, limit, drop_settle_seconds)
    return outcomes
