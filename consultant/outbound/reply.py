"""The reply to a question: rendered from templates/reply/ (text + HTML), and its live preview."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from consultant.drafts.content import NOTE_TITLES, SYSTEM_NAMES
from consultant.drafts.facts import load_facts
from consultant.intake.thread import reply_subject
from consultant.models import Account, Consultation, Draft, Question
from consultant.outbound.compose import compose, stable_message_id
from consultant.outbound.markdown import markdown_to_html
from consultant.quota import ledger
from consultant.rendering import render
from consultant.review.context import ReviewContext


@dataclass(frozen=True)
class ReplyView:
    """Everything the reply templates need, as plain values."""

    token: str
    subject: str
    to_address: str
    answer_markdown: str
    facts: dict[str, Any]
    plan: str
    plan_title: str
    remaining: int
    service_name: str
    registration_url: str | None = None
    upgrade_url: str | None = None
    kind: str = "answer"  # answer | info_request
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedReply:
    subject: str
    text: str
    html: str


def render_reply(view: ReplyView) -> RenderedReply:
    # An information request carries no code facts: the views for this draft were given back.
    answering = view.kind == "answer"
    shown = [c for c in view.facts["codes"] if c.get("shown")] if answering else []
    context = {
        "v": view,
        "answer_html": markdown_to_html(view.answer_markdown),
        "codes": shown,
        "edits": [e for e in view.facts["edits"] if e.get("shown")] if answering else [],
        "hints": view.facts["hints"] if shown else [],
        "withheld": [p.split(":", 1)[-1] for p in view.facts["withheld"]] if answering else [],
        "consultation_limit": bool(view.facts.get("quota", {}).get("consultation_limit")),
        "systems": SYSTEM_NAMES,
        "note_titles": NOTE_TITLES,
    }
    return RenderedReply(
        subject=reply_subject(view.subject, view.token),
        text=render("reply/reply.txt", **context),
        html=render("reply/reply.html", **context),
    )


def reply_view(
    session: Session, ctx: ReviewContext, draft: Draft, answer_md: str, kind: str = "answer"
) -> ReplyView:
    consultation = session.get_one(Consultation, draft.consultation_id)
    question = session.get_one(Question, draft.question_id)
    account = session.get_one(Account, draft.account_id)
    plan = ctx.plans.get(account.plan)
    facts = load_facts(draft.facts_json)
    remaining = ledger.balance(session, account, ctx.plans).remaining
    return ReplyView(
        token=consultation.token,
        subject=question.subject or consultation.subject,
        to_address=question.from_address,
        answer_markdown=answer_md,
        facts=facts,
        plan=plan.name,
        plan_title=plan.title,
        remaining=remaining,
        service_name=ctx.settings.service_name,
        registration_url=ctx.registration_url(question.from_address) if plan.name == "guest" else None,
        upgrade_url=f"{ctx.settings.public_url}/plans" if plan.name != "guest" else None,
        kind=kind,
    )


def reply_message(
    session: Session, ctx: ReviewContext, draft: Draft, answer_md: str, kind: str = "answer"
) -> EmailMessage:
    view = reply_view(session, ctx, draft, answer_md, kind)
    rendered = render_reply(view)
    consultation = session.get_one(Consultation, draft.consultation_id)
    question = session.get_one(Question, draft.question_id)
    earlier = [q.message_id for q in consultation.questions if q.message_id and q.id <= question.id]
    settings = ctx.settings
    return compose(
        from_name=settings.service_name,
        from_address=settings.service_address,
        to_address=question.from_address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=stable_message_id(kind, draft.id, consultation.token, settings.service_address),
        when=ctx.clock(),
        in_reply_to=question.message_id,
        references=[consultation.root_message_id or "", *earlier],
        extra_headers=[("X-Consultation", consultation.token)],
    )


def preview_reply(session: Session, ctx: ReviewContext, draft_id: int, answer_md: str) -> RenderedReply:
    """The exact subject, text and HTML that approving with `answer_md` would send."""
    draft = session.get_one(Draft, draft_id)
    return render_reply(reply_view(session, ctx, draft, answer_md))
