"""Everything the draft page shows, gathered in one place from the database (read only)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.drafts.content import NOTE_TITLES, SYSTEM_NAMES

__all__ = ["NOTE_TITLES", "SYSTEM_NAMES", "DraftPage", "load_draft_page"]
from consultant.drafts.facts import load_facts
from consultant.models import (
    Account,
    AuditEvent,
    Coder,
    CodeRelease,
    Consultation,
    Draft,
    OutboundMessage,
    Question,
)
from consultant.quota.plans import PlanError, Plans
from consultant.quota.report import QuotaReport, quota_report
from consultant.review.actions import CLAIM_TTL
from consultant.web.errors import NotFound
from consultant.web.sanitize import SafeHtml, sanitize_mail_html


@dataclass(frozen=True)
class ClaimState:
    holder: Coder | None  # the coder with a live claim, if any
    since: datetime | None
    expires_at: datetime | None

    def mine(self, coder: Coder) -> bool:
        return self.holder is not None and self.holder.id == coder.id

    def other(self, coder: Coder) -> bool:
        return self.holder is not None and self.holder.id != coder.id


@dataclass(frozen=True)
class ThreadItem:
    at: datetime
    kind: str  # question | reply | info_request | rejected
    title: str
    detail: str
    draft_id: int | None
    current: bool


@dataclass(frozen=True)
class DraftPage:
    draft: Draft
    consultation: Consultation
    question: Question
    account: Account
    quota: QuotaReport | None
    facts: dict[str, Any]
    safe_html: SafeHtml | None
    attachments: list[dict[str, Any]]
    thread: list[ThreadItem]
    notes: list[AuditEvent]
    history: list[AuditEvent]
    claim: ClaimState
    overdue: bool
    # CPT-shaped numbers in the question while no CPT release is loaded: detection cannot know them, and
    # a coder seeing "no codes found" under "Can I bill 38242 with 38241?" would think the tool broken.
    unloaded_cpt: tuple[str, ...] = ()


_CPT_SHAPED = re.compile(r"(?<![\w.])\d{4}[0-9FTU](?![\w.])")


def cpt_shaped(text: str, found: set[str]) -> tuple[str, ...]:
    """Five-character CPT-looking numbers in `text` that detection did not report, in order, once each."""
    return tuple(dict.fromkeys(t for t in _CPT_SHAPED.findall(text) if t not in found))


def _unloaded_cpt(session: Session, text: str, facts: dict[str, Any]) -> tuple[str, ...]:
    candidates = cpt_shaped(text, {str(c.get("code", "")) for c in facts.get("codes", [])})
    if not candidates:
        return ()
    cpt_loaded = session.scalar(select(CodeRelease.id).where(CodeRelease.system == "cpt").limit(1))
    return () if cpt_loaded is not None else candidates


def claim_state(session: Session, draft: Draft, now: datetime, ttl: timedelta = CLAIM_TTL) -> ClaimState:
    if draft.claimed_by is None or draft.claimed_at is None or draft.claimed_at + ttl <= now:
        return ClaimState(None, None, None)
    return ClaimState(session.get(Coder, draft.claimed_by), draft.claimed_at, draft.claimed_at + ttl)


def _attachments(raw: str) -> list[dict[str, Any]]:
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return []
    return [a for a in items if isinstance(a, dict)] if isinstance(items, list) else []


# Notices carry their kind in their Message-ID (<notice-KIND-…>, consultant.accounts.notices): a coder
# reading the thread should see what the asker was told, not just "Notice".
NOTICE_TITLES = {
    "acknowledgement": "Acknowledgement",
    "over_quota": "Over-quota notice (with a registration link)",
    "registration": "Registration link",
}


def notice_title(message_id: str) -> str:
    kind = message_id.removeprefix("<notice-").split("-", 1)[0] if message_id.startswith("<notice-") else ""
    return NOTICE_TITLES.get(kind, "Notice")


def _thread(session: Session, consultation: Consultation, current: Draft) -> list[ThreadItem]:
    items: list[ThreadItem] = []
    drafts = {
        d.question_id: d
        for d in session.scalars(select(Draft).where(Draft.consultation_id == consultation.id))
    }
    for q in consultation.questions:
        d = drafts.get(q.id)
        items.append(
            ThreadItem(
                q.received_at,
                "question",
                f"Question from {q.from_address}",
                (q.text or "")[:240],
                d.id if d else None,
                d is not None and d.id == current.id,
            )
        )
        if d is not None and d.state == "rejected" and d.decided_at:
            items.append(ThreadItem(d.decided_at, "rejected", "Rejected", d.reason[:240], d.id, False))
    for m in session.scalars(
        select(OutboundMessage).where(OutboundMessage.consultation_id == consultation.id)
    ):
        title = {"reply": "Answer", "info_request": "Asked for more information"}.get(
            m.kind, notice_title(m.message_id) if m.kind == "notice" else m.kind.capitalize()
        )
        items.append(
            ThreadItem(
                m.sent_at or m.created_at,
                m.kind,
                f"{title} to {m.to_address}",
                f"{m.state}" + (f": {m.last_error}" if m.last_error else ""),
                m.draft_id,
                False,
            )
        )
    return sorted(items, key=lambda i: i.at)


def load_draft_page(
    session: Session, draft_id: int, plans: Plans, now: datetime, sla: timedelta
) -> DraftPage:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"draft #{draft_id}")
    consultation = session.get_one(Consultation, draft.consultation_id)
    question = session.get_one(Question, draft.question_id)
    account = session.get_one(Account, draft.account_id)
    try:
        quota: QuotaReport | None = quota_report(session, account, plans)
    except PlanError:
        quota = None  # an account on a plan that was removed from the configuration
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "draft", AuditEvent.subject_id == draft.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
    facts = load_facts(draft.facts_json)
    return DraftPage(
        draft=draft,
        consultation=consultation,
        question=question,
        account=account,
        quota=quota,
        facts=facts,
        safe_html=sanitize_mail_html(question.html) if question.html else None,
        attachments=_attachments(question.attachments_json),
        thread=_thread(session, consultation, draft),
        notes=[e for e in events if e.action == "note"],
        history=[e for e in events if e.action != "note"],
        claim=claim_state(session, draft, now),
        overdue=draft.state == "pending" and draft.created_at < now - sla,
        unloaded_cpt=_unloaded_cpt(session, question.text or "", facts),
    )
