"""`consultant queue`: the review queue from the command line. The JSON shapes are a contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import func, select

from consultant.cli.context import get_app
from consultant.drafts.facts import load_facts
from consultant.models import Account, Coder, Consultation, Draft, Question
from consultant.models.draft import DRAFT_STATES
from consultant.outbound.flush import flush_outbox
from consultant.review import actions
from consultant.review.context import review_context


def _draft_summary(
    draft: Draft, consultation: Consultation, question: Question, account: Account
) -> dict[str, Any]:
    facts = load_facts(draft.facts_json)
    return {
        "id": draft.id,
        "state": draft.state,
        "version": draft.version,
        "consultation": consultation.token,
        "from": question.from_address,
        "subject": question.subject,
        "plan": account.plan,
        "codes": [c["code"] for c in facts["codes"]],
        "withheld": [p.split(":", 1)[-1] for p in facts["withheld"]],
        "unverified": question.unverified,
        "claimed_by": draft.claimed_by,
        "created_at": draft.created_at.isoformat(timespec="seconds"),
    }


def _rows(session: Any, state: str | None, limit: int) -> list[tuple[Draft, Consultation, Question, Account]]:
    stmt = (
        select(Draft, Consultation, Question, Account)
        .join(Consultation, Draft.consultation_id == Consultation.id)
        .join(Question, Draft.question_id == Question.id)
        .join(Account, Draft.account_id == Account.id)
        .order_by(Draft.created_at, Draft.id)
        .limit(limit)
    )
    if state != "all":
        stmt = stmt.where(Draft.state == (state or "pending"))
    return [tuple(r) for r in session.execute(stmt).all()]


@click.group()
def queue() -> None:
    """List, show, approve and reject drafts."""


@queue.command("list")
@click.option(
    "--state",
    default="pending",
    show_default=True,
    type=click.Choice([*DRAFT_STATES, "all"]),
    help="Which drafts to list.",
)
@click.option("--limit", default=100, show_default=True)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def list_(ctx: click.Context, state: str, limit: int, as_json: bool) -> None:
    """Drafts waiting for a coder (oldest first)."""
    app = get_app(ctx)
    with app.sessions() as session:
        rows = [_draft_summary(*r) for r in _rows(session, state, limit)]
        counts = dict(session.execute(select(Draft.state, func.count()).group_by(Draft.state)).all())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not counts:
        click.echo("The queue is empty. Send sample questions with `consultant demo`.")
        return
    if not rows:
        click.echo(f"No {'' if state == 'all' else state + ' '}drafts.")
    width = max((len(r["from"]) for r in rows), default=0)
    for r in rows:
        codes = ", ".join(r["codes"]) or "no codes"
        click.echo(
            f"#{r['id']:<5} {r['consultation']}  {r['from']:<{width}}  {r['subject'][:40]:<40} [{codes}]"
        )
    click.echo("  ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


def _load_draft(session: Any, draft_id: int) -> tuple[Draft, Consultation, Question, Account]:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise click.ClickException(f"no draft #{draft_id}; see `consultant queue list`")
    return (
        draft,
        session.get_one(Consultation, draft.consultation_id),
        session.get_one(Question, draft.question_id),
        session.get_one(Account, draft.account_id),
    )


@queue.command()
@click.argument("draft_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def show(ctx: click.Context, draft_id: int, as_json: bool) -> None:
    """One draft: the question, the facts found, and the draft text."""
    app = get_app(ctx)
    with app.sessions() as session:
        draft, consultation, question, account = _load_draft(session, draft_id)
        if as_json:
            data = _draft_summary(draft, consultation, question, account)
            data.update(
                question=question.text,
                facts=load_facts(draft.facts_json),
                content=draft.content,
                answer=draft.answer,
                reason=draft.reason,
            )
            click.echo(json.dumps(data, indent=2))
        else:
            click.echo(draft.content)


def _coder(session: Any, email: str) -> Coder:
    coder = session.scalars(select(Coder).where(Coder.email == email.strip().lower())).first()
    if coder is None or not coder.active:
        raise click.ClickException(
            f"no active coder {email!r}; add one with `consultant coders add {email} --role coder --password-stdin`"
        )
    return coder


@queue.command()
@click.argument("draft_id", type=int)
@click.option(
    "--answer-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The answer in Markdown ('-' is not accepted: keep the file for the record).",
)
@click.option("--coder", "coder_email", required=True, help="The approving coder's email.")
@click.option("--no-send", is_flag=True, help="Only queue the reply; the worker sends it.")
@click.pass_context
def approve(ctx: click.Context, draft_id: int, answer_file: Path, coder_email: str, no_send: bool) -> None:
    """Approve a draft with an answer; the reply is queued (and sent now unless --no-send)."""
    app = get_app(ctx)
    answer = answer_file.read_text("utf-8")
    try:
        with app.sessions() as session, session.begin():
            _load_draft(session, draft_id)
            coder = _coder(session, coder_email)
            outbound = actions.approve(
                session, review_context(app), draft_id, coder, answer, None, app.clock()
            )
            message_id = outbound.message_id
    except actions.ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"draft #{draft_id} approved; reply {message_id} queued")
    if not no_send:
        result = flush_outbox(app)
        click.echo(f"sent {result.sent}, retrying {result.retrying}, undeliverable {result.dead}")


@queue.command()
@click.argument("draft_id", type=int)
@click.option("--reason", required=True, help="Why no reply is sent (kept in the audit log).")
@click.option("--coder", "coder_email", default=None, help="The rejecting coder's email.")
@click.pass_context
def reject(ctx: click.Context, draft_id: int, reason: str, coder_email: str | None) -> None:
    """Reject a draft without replying; its reserved code page views go back to the account."""
    app = get_app(ctx)
    try:
        with app.sessions() as session, session.begin():
            _load_draft(session, draft_id)
            coder = _coder(session, coder_email) if coder_email else _cli_coder(session)
            actions.reject(session, review_context(app), draft_id, coder, reason, None, app.clock())
    except actions.ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"draft #{draft_id} rejected")


def _cli_coder(session: Any) -> Coder:
    """The operator acting from the command line, recorded as such in the audit log."""
    coder = session.scalars(select(Coder).where(Coder.email == "cli@localhost")).first()
    if coder is None:
        coder = Coder(email="cli@localhost", name="command line", role="admin", active=False)
        session.add(coder)
        session.flush()
    return coder


COMMANDS: list[click.Command] = [queue]
