"""A draft's page and the review actions posted from it. The use cases live in consultant.review."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from consultant.app import App
from consultant.models import Coder, InboundMessage, Question
from consultant.outbound.reply import preview_reply
from consultant.review import actions
from consultant.review.context import review_context
from consultant.review.errors import NotFound as ReviewNotFound
from consultant.review.errors import ReviewError, VersionConflict
from consultant.web.csrf import verify_csrf
from consultant.web.deps import DB, Core, CurrentCoder
from consultant.web.draft_view import NOTE_TITLES, SYSTEM_NAMES, load_draft_page
from consultant.web.errors import NotFound

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)

T = TypeVar("T")


def flash(request: Request, kind: str, text: str) -> None:
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [kind, text]]


def render_draft(
    request: Request,
    session: Session,
    core: App,
    coder: Coder,
    draft_id: int,
    *,
    error: str | None = None,
    kept_answer: str | None = None,
    status_code: int = 200,
) -> Response:
    now = core.clock()
    sla = timedelta(hours=core.settings.draft_service_level_hours)
    page = load_draft_page(session, draft_id, core.plans, now, sla)
    return request.app.state.templates.TemplateResponse(
        request,
        "draft.html",
        {
            "coder": coder,
            "p": page,
            "d": page.draft,
            "now": now,
            "nav": "queue",
            "error": error,
            "answer": kept_answer if kept_answer is not None else page.draft.answer,
            "kept": kept_answer is not None,
            "note_titles": NOTE_TITLES,
            "system_names": SYSTEM_NAMES,
        },
        status_code=status_code,
    )


def run_action(
    request: Request,
    session: Session,
    core: App,
    coder: Coder,
    draft_id: int,
    action: Callable[[], T],
    done: str,
    *,
    kept_answer: str | None = None,
    then: str | None = None,
) -> Response:
    """Run a review use case; commit and redirect on success, show the page with the reason otherwise."""
    try:
        action()
        session.commit()
    except ReviewNotFound as exc:
        session.rollback()
        raise NotFound(f"draft #{draft_id}") from exc
    except VersionConflict as exc:
        session.rollback()
        message = f"{exc} Your text is kept in the editor below; copy what you need, reload, and save again."
        return render_draft(
            request, session, core, coder, draft_id, error=message, kept_answer=kept_answer, status_code=409
        )
    except ReviewError as exc:
        session.rollback()
        return render_draft(
            request, session, core, coder, draft_id, error=str(exc), kept_answer=kept_answer, status_code=409
        )
    flash(request, "ok", done)
    return RedirectResponse(then or f"/drafts/{draft_id}", status_code=303)


@router.get("/drafts/{draft_id}")
def draft_page(draft_id: int, request: Request, session: DB, core: Core, coder: CurrentCoder) -> Response:
    return render_draft(request, session, core, coder, draft_id)


@router.get("/drafts/{draft_id}/raw")
def raw_message(draft_id: int, session: DB, coder: CurrentCoder) -> Response:
    from consultant.models import Draft

    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"draft #{draft_id}")
    question = session.get_one(Question, draft.question_id)
    inbound = session.get_one(InboundMessage, question.inbound_message_id)
    return raw_response(inbound)


def raw_response(inbound: InboundMessage) -> Response:
    if inbound.raw is None:
        return Response(
            "The raw message was purged after the retention period.\n",
            media_type="text/plain",
            status_code=410,
        )
    # text/plain, never rendered: the browser shows the source, and nosniff (see headers.py) stops guessing.
    return Response(
        inbound.raw,
        media_type="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="message-{inbound.id}.eml.txt"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/drafts/{draft_id}/claim")
def claim(draft_id: int, request: Request, session: DB, core: Core, coder: CurrentCoder) -> Response:
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.claim(session, draft_id, coder, core.clock()),
        "Claimed: other coders now see that you are answering this question.",
    )


@router.post("/drafts/{draft_id}/release")
def release(draft_id: int, request: Request, session: DB, core: Core, coder: CurrentCoder) -> Response:
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.release(session, draft_id, coder, core.clock()),
        "Released: another coder can pick this question up.",
    )


@router.post("/drafts/{draft_id}/save")
def save(
    draft_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    answer_md: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.save_answer(session, draft_id, coder, answer_md, version, core.clock()),
        "Answer saved.",
        kept_answer=answer_md,
    )


@router.post("/drafts/{draft_id}/approve")
def approve(
    draft_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    answer_md: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    ctx = review_context(core)
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.approve(session, ctx, draft_id, coder, answer_md, version, core.clock()),
        f"Approved draft #{draft_id}: the reply is queued and goes out in a moment.",
        kept_answer=answer_md,
        then="/queue",
    )


@router.post("/drafts/{draft_id}/reject")
def reject(
    draft_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    reason: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    ctx = review_context(core)
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.reject(session, ctx, draft_id, coder, reason, version, core.clock()),
        f"Rejected draft #{draft_id}; no reply is sent.",
        then="/queue",
    )


@router.post("/drafts/{draft_id}/request-info")
def request_info(
    draft_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    message_md: Annotated[str, Form()] = "",
    version: Annotated[int, Form()] = 0,
) -> Response:
    ctx = review_context(core)
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.request_info(session, ctx, draft_id, coder, message_md, version, core.clock()),
        f"Asked the sender for more information on draft #{draft_id}.",
        then="/queue",
    )


@router.post("/drafts/{draft_id}/notes")
def add_note(
    draft_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    text: Annotated[str, Form()] = "",
) -> Response:
    return run_action(
        request,
        session,
        core,
        coder,
        draft_id,
        lambda: actions.add_note(session, draft_id, coder, text, core.clock()),
        "Note added (visible to coders only).",
    )


@router.post("/drafts/{draft_id}/preview")
def preview(
    draft_id: int,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    answer_md: Annotated[str, Form()] = "",
) -> Response:
    try:
        rendered = preview_reply(session, review_context(core), draft_id, answer_md)
    except NoResultFound as exc:
        raise NotFound(f"draft #{draft_id}") from exc
    return JSONResponse({"subject": rendered.subject, "text": rendered.text, "html": rendered.html})
