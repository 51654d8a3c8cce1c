"""The intake pipeline: drain the spool, run the stages, record exactly one state per message.

The stages are pure functions (parse, classify, question_text, thread, quota rules); `examine` runs them
before any write transaction. This module is the edge that reads the spool, writes the database, and
moves a spool file on only after its commit. A crash between commit and move is harmless: the next pass
finds the (source, key) already recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from consultant.accounts.notify import notify_after_draft
from consultant.accounts.resolve import account_for_sender
from consultant.accounts.verification import sender_verdict
from consultant.codes.service import CodeService
from consultant.codes.values import CodeFacts, FoundCode
from consultant.drafts.content import render_draft
from consultant.drafts.facts import QuotaView, build_facts
from consultant.intake.classify import Rule, rules_for
from consultant.intake.consultations import find_consultation, open_consultation
from consultant.intake.examine import Examined, examine
from consultant.intake.mail import ParsedMail
from consultant.intake.verdict import Verdict, quarantined
from consultant.mail.maildir import Maildir
from consultant.models import Account, Draft, InboundMessage, Question
from consultant.quota import ledger
from consultant.quota.plans import Plans
from consultant.quota.report import may_open_consultation
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
    session: Session, ex: Examined, source: str, key: str, verdict: Verdict, now: datetime
) -> InboundMessage:
    mail = ex.mail
    row = InboundMessage(
        source=source,
        source_uid=key,
        sha256=ex.sha256,
        message_id=(mail.message_id if mail else ex.message_id),
        size=len(ex.raw),
        from_address=(mail.from_address if mail else ex.from_header),
        subject=(mail.subject if mail else ex.subject)[:2000],
        raw=ex.raw,
        state=verdict.state,
        reason=verdict.reason,
        received_at=now,
        processed_at=now,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class _Prior:
    id: int
    state: str
    reason: str


# Built once: building a statement costs more than running it. A condition whose value is None (no
# sender, no Message-ID) compares with NULL and so matches nothing, as if it were left out.
_PRIOR = (
    select(
        InboundMessage.id,
        InboundMessage.state,
        InboundMessage.reason,
        InboundMessage.source,
        InboundMessage.source_uid,
    )
    .where(
        or_(
            (InboundMessage.source == bindparam("source")) & (InboundMessage.source_uid == bindparam("key")),
            InboundMessage.sha256 == bindparam("sha256"),
            (InboundMessage.message_id == bindparam("message_id"))
            & (InboundMessage.from_address == bindparam("from_address")),
        )
    )
    .order_by(InboundMessage.id)
)


def _prior(
    session: Session, source: str, key: str, mail: ParsedMail | None
) -> tuple[_Prior | None, _Prior | None]:
    """(this spool file's own record, the earliest record this mail duplicates), in one query: the same
    bytes (SHA-256), or the same Message-ID from the same sender. Only ids, states and reasons are read.
    Mail with no usable sender is never a duplicate (only its own record is looked for)."""
    sender = mail.from_address if mail is not None else None
    rows = session.execute(
        _PRIOR,
        {
            "source": source,
            "key": key,
            "sha256": mail.sha256 if mail is not None and sender is not None else None,
            "message_id": (mail.message_id or None) if mail is not None and sender is not None else None,
            "from_address": sender,
        },
    ).all()
    for row in rows:
        if (row.source, row.source_uid) == (source, key):
            return _Prior(row.id, row.state, row.reason), None
    # No row is this file's own, so every row found matched one of the duplicate conditions.
    return None, (_Prior(rows[0].id, rows[0].state, rows[0].reason) if rows else None)


def _allocate_views(
    session: Session,
    ctx: IntakeContext,
    account: Account,
    draft_id: int,
    found: list[FoundCode],
    facts: CodeFacts,
    *,
    hold: bool,
    now: datetime,
) -> tuple[Allocation, int]:
    """Which code pages the draft may show, and the views left after it."""
    # A modifier named on its own is reference information about the codes, not a code page: it is free.
    free = tuple(dict.fromkeys(f.page for f in found if f.system == "modifier"))
    # When views run short, billable codes come first: a header or category is rarely what was asked.
    billable = {c.page: c.billable for c in facts.codes}
    pages = sorted((f.page for f in found if f.system != "modifier"), key=lambda p: not billable.get(p, True))
    if hold:
        # Held: the coder sees it, but nothing is charged (to an account the From header may only claim,
        # or to one whose consultations for the month are used up).
        allocation = Allocation(shown=(), reserve=(), withheld=tuple(dict.fromkeys(pages)), remaining_after=0)
        remaining = ledger.balance(session, account, ctx.plans).remaining
    else:
        allocation = ledger.reserve(session, account.id, draft_id, pages, ctx.plans, now)
        remaining = allocation.remaining_after
    return replace(allocation, shown=allocation.shown + free), remaining


def _draft(
    session: Session, ctx: IntakeContext, ex: Examined, inbound: InboundMessage, now: datetime
) -> Outcome:
    mail = ex.mail
    assert mail is not None and mail.from_address is not None
    unverified_reason = ""
    if ctx.settings.require_dmarc:
        verdict = sender_verdict(list(mail.headers), mail.from_address, ctx.settings.authserv_ids)
        if not verdict.verified:
            unverified_reason = verdict.reason
    account = account_for_sender(session, mail.from_address, now)
    if account.status != "active":
        inbound.state, inbound.reason = "ignored", f"account {account.id} is {account.status}"
        return Outcome(inbound.id, inbound.state, inbound.reason)
    consultation = find_consultation(session, mail, account)
    new_consultation = consultation is None
    # A plan with a monthly number of consultations: a new question beyond it is held for the coder,
    # with nothing reserved; follow-ups in an open consultation are never counted.
    limit_reason = ""
    if new_consultation and not may_open_consultation(session, account, ctx.plans):
        limit = ctx.plans.get(account.plan).monthly_consultations
        limit_reason = f"monthly consultation limit reached ({limit} this month)"
    if consultation is None:
        consultation = open_consultation(session, mail, account, now)
    consultation.status = "open"
    consultation.updated_at = now
    text, found, facts = ex.text, ex.found, ex.facts
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
    plan = ctx.plans.get(account.plan)
    allocation, remaining = _allocate_views(
        session, ctx, account, draft.id, found, facts, hold=bool(unverified_reason or limit_reason), now=now
    )
    quota = QuotaView(
        plan=plan.name,
        plan_title=plan.title,
        allowance=allowance(plan),
        remaining=remaining,
        shown=len(allocation.shown),
        withheld=len(allocation.withheld),
        unverified=bool(unverified_reason),
        consultation_limit=bool(limit_reason),
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
        held_reason=limit_reason,
    )
    written = {f.page: f.code for f in found}
    notify_after_draft(
        session,
        ctx.settings,
        plan=plan.name,
        plan_title=plan.title,
        to_address=mail.from_address,
        prompt_headers=list(mail.headers),
        withheld=tuple(written.get(page, page.split(":", 1)[-1]) for page in allocation.withheld),
        remaining=remaining,
        new_consultation=new_consultation,
        # Over the consultation limit the coder decides what to tell the customer: no automatic notice.
        unverified=bool(unverified_reason or limit_reason),
        token=consultation.token,
        now=now,
        in_reply_to=mail.message_id,
        consultation_id=consultation.id,
    )
    inbound.consultation_id = consultation.id
    inbound.state = "held" if unverified_reason or limit_reason else "drafted"
    inbound.reason = _drafted_reason(draft.id, len(found), allocation, unverified_reason, limit_reason)
    return Outcome(inbound.id, inbound.state, inbound.reason, draft_id=draft.id)


def _drafted_reason(
    draft_id: int, found: int, allocation: Allocation, unverified_reason: str, limit_reason: str
) -> str:
    if unverified_reason:
        return f"unverified sender ({unverified_reason}); draft #{draft_id} held, nothing charged"
    if limit_reason:
        return f"{limit_reason}; draft #{draft_id} held, nothing reserved"
    return (
        f"draft #{draft_id}: {found} code(s), {len(allocation.shown)} shown, "
        f"{len(allocation.withheld)} over quota"
    )


def _attachments_json(mail: ParsedMail) -> str:
    return json.dumps([a.__dict__ for a in mail.attachments])


def process_message(session: Session, ctx: IntakeContext, ex: Examined, source: str, key: str) -> Outcome:
    """Record one examined message and carry out its fate. The caller commits."""
    existing, duplicate = _prior(session, source, key, ex.mail)
    if existing is not None:
        return Outcome(existing.id, existing.state, existing.reason, already_recorded=True)
    now = ctx.clock()
    if duplicate is not None:
        verdict = Verdict("duplicate", f"duplicate of inbound message #{duplicate.id}")
        row = _record(session, ex, source, key, verdict, now)
        return Outcome(row.id, row.state, row.reason)
    row = _record(session, ex, source, key, ex.verdict or Verdict("received", "in progress"), now)
    if ex.verdict is not None:
        return Outcome(row.id, row.state, row.reason)
    return _draft(session, ctx, ex, row, now)


BATCH_SIZE = 100


def _read_and_examine(
    box: Maildir, key: str, ctx: IntakeContext
) -> tuple[bytes, Examined | Exception] | None:
    try:
        raw = box.read(key)
    except FileNotFoundError:  # another worker took it
        return None
    try:
        return raw, examine(raw, ctx.rules, ctx.settings.max_message_bytes, ctx.codes, ctx.clock().date())
    except Exception as exc:
        log.exception("examining %s failed", key)
        return raw, exc


def _failure(
    session: Session, ctx: IntakeContext, raw: bytes, source: str, key: str, exc: Exception
) -> Outcome:
    verdict = quarantined(f"internal error during intake: {type(exc).__name__}; re-ingest after a fix")
    row = _record(session, Examined(raw, hashlib.sha256(raw).hexdigest()), source, key, verdict, ctx.clock())
    return Outcome(row.id, row.state, row.reason)


def _recorded_elsewhere(session: Session, source: str, key: str) -> bool:
    return (
        session.scalars(
            select(InboundMessage.id).where(InboundMessage.source == source, InboundMessage.source_uid == key)
        ).first()
        is not None
    )


def _record_batch(
    sessions: Callable[[], Session],
    ctx: IntakeContext,
    source: str,
    batch: list[tuple[str, bytes, Examined | Exception]],
) -> list[tuple[str, Outcome]]:
    """Record a batch in one transaction; each message in its own savepoint, so one failure stays its own."""
    results: list[tuple[str, Outcome]] = []
    with sessions() as session, session.begin():
        for key, raw, examined in batch:
            try:
                if isinstance(examined, Exception):
                    raise examined
                with session.begin_nested():
                    outcome = process_message(session, ctx, examined, source, key)
            except IntegrityError as exc:
                if _recorded_elsewhere(session, source, key):
                    # Another worker sharing this spool recorded it first: leave the file to that worker.
                    continue
                log.exception("intake failed for %s/%s", source, key)
                with session.begin_nested():
                    outcome = _failure(session, ctx, raw, source, key, exc)
            except Exception as exc:
                log.exception("intake failed for %s/%s", source, key)
                with session.begin_nested():
                    outcome = _failure(session, ctx, raw, source, key, exc)
            results.append((key, outcome))
    return results


def drain(
    box: Maildir,
    source: str,
    sessions: Callable[[], Session],
    ctx: IntakeContext,
    quarantine: Maildir,
    limit: int | None = None,
    settle_seconds: float = 0.0,
    batch_size: int = BATCH_SIZE,
) -> list[Outcome]:
    """Process every message waiting in `box`; one failing message never stops the others.

    Messages are examined with no write lock held, then recorded a batch per transaction; spool files
    move on only after that commit. If the commit itself fails, the files stay in new/ for the next pass.
    """
    outcomes: list[Outcome] = []
    keys = [k for k in box.keys()[:limit] if not settle_seconds or settled(box.new / k, settle_seconds)]
    for start in range(0, len(keys), batch_size):
        batch = []
        for key in keys[start : start + batch_size]:
            item = _read_and_examine(box, key, ctx)
            if item is not None:
                batch.append((key, *item))
        for key, outcome in _record_batch(sessions, ctx, source, batch):
            if outcome.state == "quarantined" and not outcome.already_recorded:
                box.move_to(key, quarantine)
            else:
                box.mark_done(key)
            log.info("intake %s/%s -> %s: %s", source, key, outcome.state, outcome.reason)
            outcomes.append(outcome)
    return outcomes


def intake_context(app: App) -> IntakeContext:
    return IntakeContext.create(app.settings, app.plans, app.codes, app.clock)


def drain_spool(app: App, limit: int | None = None, drop_settle_seconds: float = 1.0) -> list[Outcome]:
    """One pass over the spool and the drop folder."""
    ctx = intake_context(app)
    outcomes = drain(app.spool, "spool", app.sessions, ctx, app.quarantine, limit)
    outcomes += drain(app.drop, "drop", app.sessions, ctx, app.quarantine, limit, drop_settle_seconds)
    return outcomes
