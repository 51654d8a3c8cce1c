"""The JSON API: the review queue's actions for scripts and other tools. OpenAPI at /openapi.json.

Authenticate with `POST /api/token` and send `Authorization: Bearer <token>`; a browser already signed in
may use its session cookie instead, with its CSRF token in the `X-CSRF-Token` header for writes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy.orm import Session

from consultant.app import App
from consultant.models import Draft
from consultant.models import OutboundMessage as OutboundRow
from consultant.outbound.reply import preview_reply
from consultant.review import actions
from consultant.review.context import review_context
from consultant.review.errors import NotFound as ReviewNotFound
from consultant.review.errors import ReviewError
from consultant.web.coders import authenticate
from consultant.web.csrf import HEADER, SAFE_METHODS, tokens_match
from consultant.web.deps import DB, ApiCoder, Core, password_stamp
from consultant.web.draft_view import load_draft_page
from consultant.web.errors import CsrfFailed, NotFound
from consultant.web.queue import QueueFilter, load_queue
from consultant.web.routes.auth import throttle_keys
from consultant.web.tokens import TOKEN_MAX_AGE, issue_token

MAX_TEXT = 100_000


def _as_utc(value: datetime) -> datetime:
    # Stored times are naive UTC; RFC 3339 (OpenAPI's date-time) needs the offset said out loud.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcTime = Annotated[datetime, AfterValidator(_as_utc)]
DraftId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Draft id")]


async def api_csrf(request: Request) -> None:
    """Writes authenticated by the session cookie need the CSRF header; bearer tokens do not (a browser
    never attaches them by itself, so a cross-site page cannot forge them)."""
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith(
        "bearer "
    ):
        return
    if request.url.path == "/api/token":
        return  # uses no session: it checks a password and hands out a token
    if not tokens_match(request.session.get("csrf"), request.headers.get(HEADER)):
        raise CsrfFailed()


class ErrorBody(BaseModel):
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not signed in"},
    403: {"model": ErrorBody, "description": "Missing CSRF header (cookie sessions)"},
}
DRAFT_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"model": ErrorBody, "description": "No such draft"},
    409: {
        "model": ErrorBody,
        "description": "Refused: claimed by another coder, outdated version, or closed",
    },
}

router = APIRouter(prefix="/api", tags=["review"], dependencies=[Depends(api_csrf)])


class TokenRequest(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class TokenResponse(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class CoderOut(BaseModel):
    id: int
    email: str
    name: str
    role: str


class DraftSummary(BaseModel):
    id: int
    state: str
    version: int
    created_at: UtcTime
    updated_at: UtcTime
    subject: str
    token: str
    from_address: str
    plan: str
    has_codes: bool
    claimed_by: str | None
    overdue: bool


class QueueOut(BaseModel):
    items: list[DraftSummary]
    total: int
    page: int
    per_page: int
    counts: dict[str, int]


class NoteOut(BaseModel):
    at: UtcTime
    author: str
    text: str


class AccountOut(BaseModel):
    id: int
    name: str
    plan: str
    status: str


class DraftOut(BaseModel):
    id: int
    state: str
    version: int
    consultation: str
    subject: str
    from_address: str
    question_text: str
    answer: str
    reason: str
    has_codes: bool
    claimed_by: str | None
    claimed_until: UtcTime | None
    created_at: UtcTime
    decided_at: UtcTime | None
    account: AccountOut
    quota: dict[str, Any] | None
    facts: dict[str, Any]
    notes: list[NoteOut]


class AnswerIn(BaseModel):
    answer_md: str = Field(max_length=MAX_TEXT)
    version: int = Field(ge=0, le=2**31 - 1)


class RejectIn(BaseModel):
    reason: str = Field(max_length=MAX_TEXT)
    version: int = Field(ge=0, le=2**31 - 1)


class InfoIn(BaseModel):
    message_md: str = Field(max_length=MAX_TEXT)
    version: int = Field(ge=0, le=2**31 - 1)


class NoteIn(BaseModel):
    text: str = Field(max_length=MAX_TEXT)


class PreviewIn(BaseModel):
    answer_md: str = Field(max_length=MAX_TEXT)


class PreviewOut(BaseModel):
    subject: str
    text: str
    html: str


class OutboundOut(BaseModel):
    id: int
    message_id: str
    to_address: str
    state: str
    draft: DraftOut


def _draft_out(session: Session, core: App, draft_id: int) -> DraftOut:
    now = core.clock()
    p = load_draft_page(
        session, draft_id, core.plans, now, timedelta(hours=core.settings.draft_service_level_hours)
    )
    d = p.draft
    return DraftOut(
        id=d.id,
        state=d.state,
        version=d.version,
        consultation=p.consultation.token,
        subject=p.question.subject or p.consultation.subject,
        from_address=p.question.from_address,
        question_text=p.question.text,
        answer=d.answer,
        reason=d.reason,
        has_codes=d.has_codes,
        claimed_by=p.claim.holder.email if p.claim.holder else None,
        claimed_until=p.claim.expires_at,
        created_at=d.created_at,
        decided_at=d.decided_at,
        account=AccountOut(
            id=p.account.id, name=p.account.name, plan=p.account.plan, status=p.account.status
        ),
        quota=p.quota.as_json() if p.quota else None,
        facts=p.facts,
        notes=[NoteOut(at=n.at, author=n.actor, text=n.detail) for n in p.notes],
    )


def _act(session: Session, draft_id: int, action: Any) -> Any:
    try:
        result = action()
        session.commit()
        return result
    except ReviewNotFound as exc:
        session.rollback()
        raise NotFound(f"draft #{draft_id}") from exc
    except ReviewError as exc:
        session.rollback()
        raise _Conflict(str(exc)) from exc


class _Conflict(Exception):
    pass


def install_api_errors(api: Any) -> None:
    @api.exception_handler(_Conflict)
    async def _conflict(_request: Request, exc: _Conflict) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=409)


def _exists(session: Session, draft_id: int) -> None:
    if session.get(Draft, draft_id) is None:
        raise NotFound(f"draft #{draft_id}")


@router.post(
    "/token", response_model=TokenResponse, responses={401: {"model": ErrorBody}, 429: {"model": ErrorBody}}
)
def token(request: Request, body: TokenRequest, session: DB, core: Core) -> Any:
    """Exchange a coder's email and password for a bearer token."""
    throttle = request.app.state.throttle
    keys = throttle_keys(request, body.email)
    if throttle.blocked(*keys):
        return JSONResponse({"detail": "too many failed sign-ins; wait 15 minutes"}, status_code=429)
    coder = authenticate(session, body.email, body.password)
    if coder is None:
        throttle.failed(*keys)
        return JSONResponse({"detail": "wrong email or password"}, status_code=401)
    throttle.succeeded(keys[0])
    session.commit()
    return TokenResponse(
        token=issue_token(core.settings.secret_key, coder.id, password_stamp(coder)), expires_in=TOKEN_MAX_AGE
    )


@router.get("/me", response_model=CoderOut, responses=ERRORS)
def me(coder: ApiCoder) -> CoderOut:
    return CoderOut(id=coder.id, email=coder.email, name=coder.name, role=coder.role)


@router.get("/drafts", response_model=QueueOut, responses=ERRORS)
def list_drafts(
    request: Request,
    session: DB,
    core: Core,
    coder: ApiCoder,
    state: Literal["pending", "approved", "sent", "rejected", "info_requested", "expired", "all"] = "pending",
    age: Literal["any", "overdue", "due_soon", "in_time"] = "any",
    plan: Annotated[str, Query(max_length=40, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None,
    mine: bool = False,
    codes: Literal["any", "yes", "no"] = "any",
    sort: Literal["oldest", "newest", "updated"] = "oldest",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=200)] = 50,
) -> QueueOut:
    """The review queue, filtered, sorted and paginated, with counts per state."""
    f = QueueFilter(
        state=state, age=age, plan=plan or "", mine=mine, codes=codes, sort=sort, page=page, per_page=per_page
    )
    q = load_queue(
        session, f, coder.id, core.clock(), timedelta(hours=core.settings.draft_service_level_hours)
    )
    return QueueOut(
        items=[
            DraftSummary(
                id=r.id,
                state=r.state,
                version=r.version,
                created_at=r.created_at,
                updated_at=r.updated_at,
                subject=r.subject,
                token=r.token,
                from_address=r.from_address,
                plan=r.plan,
                has_codes=r.has_codes,
                claimed_by=r.claimed_by,
                overdue=r.overdue,
            )
            for r in q.rows
        ],
        total=q.total,
        page=page,
        per_page=per_page,
        counts=q.counts,
    )


@router.get("/drafts/{draft_id}", response_model=DraftOut, responses=DRAFT_ERRORS)
def get_draft(draft_id: DraftId, session: DB, core: Core, coder: ApiCoder) -> DraftOut:
    return _draft_out(session, core, draft_id)


@router.post("/drafts/{draft_id}/claim", response_model=DraftOut, responses=DRAFT_ERRORS)
def claim(draft_id: DraftId, session: DB, core: Core, coder: ApiCoder) -> DraftOut:
    """Claim the draft so no other coder answers it (the claim lapses after 30 idle minutes)."""
    _act(session, draft_id, lambda: actions.claim(session, draft_id, coder, core.clock()))
    return _draft_out(session, core, draft_id)


@router.post("/drafts/{draft_id}/release", response_model=DraftOut, responses=DRAFT_ERRORS)
def release(draft_id: DraftId, session: DB, core: Core, coder: ApiCoder) -> DraftOut:
    _act(session, draft_id, lambda: actions.release(session, draft_id, coder, core.clock()))
    return _draft_out(session, core, draft_id)


@router.put("/drafts/{draft_id}/answer", response_model=DraftOut, responses=DRAFT_ERRORS)
def save_answer(draft_id: DraftId, body: AnswerIn, session: DB, core: Core, coder: ApiCoder) -> DraftOut:
    """Save the answer text; refused with 409 if `version` is not the draft's current version."""
    _act(
        session,
        draft_id,
        lambda: actions.save_answer(session, draft_id, coder, body.answer_md, body.version, core.clock()),
    )
    return _draft_out(session, core, draft_id)


def _outbound_out(session: Session, core: App, row: OutboundRow, draft_id: int) -> OutboundOut:
    return OutboundOut(
        id=row.id,
        message_id=row.message_id,
        to_address=row.to_address,
        state=row.state,
        draft=_draft_out(session, core, draft_id),
    )


@router.post("/drafts/{draft_id}/approve", response_model=OutboundOut, responses=DRAFT_ERRORS)
def approve(draft_id: DraftId, body: AnswerIn, session: DB, core: Core, coder: ApiCoder) -> OutboundOut:
    """Approve with this answer: the reply is queued for sending."""
    ctx = review_context(core)
    row = _act(
        session,
        draft_id,
        lambda: actions.approve(session, ctx, draft_id, coder, body.answer_md, body.version, core.clock()),
    )
    return _outbound_out(session, core, row, draft_id)


@router.post("/drafts/{draft_id}/reject", response_model=DraftOut, responses=DRAFT_ERRORS)
def reject(draft_id: DraftId, body: RejectIn, session: DB, core: Core, coder: ApiCoder) -> DraftOut:
    ctx = review_context(core)
    _act(
        session,
        draft_id,
        lambda: actions.reject(session, ctx, draft_id, coder, body.reason, body.version, core.clock()),
    )
    return _draft_out(session, core, draft_id)


@router.post("/drafts/{draft_id}/request-info", response_model=OutboundOut, responses=DRAFT_ERRORS)
def request_info(draft_id: DraftId, body: InfoIn, session: DB, core: Core, coder: ApiCoder) -> OutboundOut:
    """Ask the sender for more information; their reply continues the consultation."""
    ctx = review_context(core)
    row = _act(
        session,
        draft_id,
        lambda: actions.request_info(
            session, ctx, draft_id, coder, body.message_md, body.version, core.clock()
        ),
    )
    return _outbound_out(session, core, row, draft_id)


@router.post("/drafts/{draft_id}/notes", response_model=NoteOut, status_code=201, responses=DRAFT_ERRORS)
def add_note(draft_id: DraftId, body: NoteIn, session: DB, core: Core, coder: ApiCoder) -> NoteOut:
    """An internal note for colleagues; never sent to the asker."""
    event = _act(
        session, draft_id, lambda: actions.add_note(session, draft_id, coder, body.text, core.clock())
    )
    return NoteOut(at=event.at, author=event.actor, text=event.detail)


@router.post("/drafts/{draft_id}/preview", response_model=PreviewOut, responses=DRAFT_ERRORS)
def preview(draft_id: DraftId, body: PreviewIn, session: DB, core: Core, coder: ApiCoder) -> PreviewOut:
    """The exact subject, plain text and HTML that approving with this answer would send."""
    _exists(session, draft_id)
    r = preview_reply(session, review_context(core), draft_id, body.answer_md)
    return PreviewOut(subject=r.subject, text=r.text, html=r.html)


__all__ = ["install_api_errors", "router"]
