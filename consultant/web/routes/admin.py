"""Admin pages: accounts and plans, coders, code-set status, quarantined mail, undeliverable replies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Select, func, or_, select

from consultant.accounts.admin import AccountError, set_plan, set_status
from consultant.audit import record_event
from consultant.codes.status import release_statuses
from consultant.intake.reingest import ReingestRefused
from consultant.intake.reingest import reingest as reingest_message
from consultant.models import Account, AccountAddress, Coder, InboundMessage, OutboundMessage
from consultant.outbound.flush import retry_dead
from consultant.quota.plans import PlanError
from consultant.web.coders import ROLES, CoderError, create_coder
from consultant.web.csrf import verify_csrf
from consultant.web.deps import DB, AdminCoder, Core, admin_coder
from consultant.web.errors import NotFound
from consultant.web.passwords import WeakPassword
from consultant.web.routes.drafts import flash, raw_response

router = APIRouter(
    prefix="/admin", dependencies=[Depends(verify_csrf), Depends(admin_coder)], include_in_schema=False
)
PER_PAGE = 50


def _audit(
    session: DB, coder: Coder, action: str, subject_type: str, subject_id: int, detail: str, core: Core
) -> None:
    record_event(
        session,
        at=core.clock(),
        actor=coder.email,
        coder_id=coder.id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )


def _page_of(session: DB, stmt: Select[Any], page: int) -> dict[str, Any]:
    """One page of `stmt`'s rows (newest first), and whether there is a next page."""
    page = max(1, page)
    rows = list(session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    return {"messages": rows[:PER_PAGE], "more": len(rows) > PER_PAGE, "page": page}


def _render(request: Request, name: str, coder: Coder, section: str, **context: object) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, f"admin/{name}", {"coder": coder, "nav": "admin", "section": section, **context}
    )


@router.get("")
def admin_home() -> Response:
    return RedirectResponse("/admin/accounts", status_code=303)


@router.get("/accounts")
def accounts(
    request: Request, session: DB, core: Core, coder: AdminCoder, q: str = "", page: int = 1
) -> Response:
    page = max(1, page)
    stmt = select(Account).order_by(Account.created_at.desc(), Account.id.desc())
    if q.strip():
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Account.name).like(like),
                func.lower(Account.domain).like(like),
                Account.id.in_(select(AccountAddress.account_id).where(AccountAddress.address.like(like))),
            )
        )
    rows = list(session.scalars(stmt.limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)))
    plan_counts = dict(
        session.execute(select(Account.plan, func.count()).group_by(Account.plan)).tuples().all()
    )
    return _render(
        request,
        "accounts.html",
        coder,
        "accounts",
        accounts=rows[:PER_PAGE],
        more=len(rows) > PER_PAGE,
        q=q,
        page=page,
        plans=core.plans.plans,
        plan_counts=plan_counts,
    )


@router.post("/accounts/{account_id}")
def update_account(
    account_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: AdminCoder,
    plan: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
) -> Response:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"account #{account_id}")
    before = (account.plan, account.status)
    try:
        if plan:
            set_plan(session, f"#{account.id}", plan, core.plans, core.clock(), actor=coder.email)
        if status:
            set_status(session, f"#{account.id}", status, core.clock(), actor=coder.email)
    except (PlanError, AccountError) as exc:
        session.rollback()
        flash(request, "error", str(exc))
        return RedirectResponse("/admin/accounts", status_code=303)
    session.commit()
    if (account.plan, account.status) != before:
        flash(request, "ok", f"Account #{account.id} is now {account.status} on the {account.plan} plan.")
    return RedirectResponse("/admin/accounts", status_code=303)


@router.get("/coders")
def coders(request: Request, session: DB, coder: AdminCoder) -> Response:
    rows = list(session.scalars(select(Coder).order_by(Coder.active.desc(), Coder.email)))
    return _render(request, "coders.html", coder, "coders", coders=rows, roles=ROLES, error=None, form={})


@router.post("/coders")
def add_coder(
    request: Request,
    session: DB,
    core: Core,
    coder: AdminCoder,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "coder",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        new = create_coder(session, email, password, role, core.clock(), name=name, actor=coder.email)
    except (CoderError, WeakPassword) as exc:
        session.rollback()
        rows = list(session.scalars(select(Coder).order_by(Coder.active.desc(), Coder.email)))
        return request.app.state.templates.TemplateResponse(
            request,
            "admin/coders.html",
            {
                "coder": coder,
                "nav": "admin",
                "section": "coders",
                "coders": rows,
                "roles": ROLES,
                "error": str(exc),
                "form": {"email": email, "name": name, "role": role},
            },
            status_code=400,
        )
    session.commit()
    flash(request, "ok", f"Added {new.role} {new.email}.")
    return RedirectResponse("/admin/coders", status_code=303)


@router.post("/coders/{coder_id}")
def update_coder(
    coder_id: int,
    request: Request,
    session: DB,
    core: Core,
    coder: AdminCoder,
    role: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    target = session.get(Coder, coder_id)
    if target is None:
        raise NotFound(f"coder #{coder_id}")
    if target.id == coder.id:
        flash(request, "error", "You cannot change your own role or disable yourself; ask another admin.")
        return RedirectResponse("/admin/coders", status_code=303)
    changes = []
    if role in ROLES and role != target.role:
        changes.append(f"role {target.role} → {role}")
        target.role = role
    if active in ("0", "1") and (active == "1") != target.active:
        target.active = active == "1"
        changes.append("enabled" if target.active else "disabled")
    if changes:
        _audit(session, coder, "coder_changed", "coder", target.id, "; ".join(changes), core)
        session.commit()
        flash(request, "ok", f"{target.email}: " + "; ".join(changes) + ".")
    return RedirectResponse("/admin/coders", status_code=303)


@router.get("/codesets")
def codesets(request: Request, session: DB, core: Core, coder: AdminCoder) -> Response:
    return _render(
        request, "codesets.html", coder, "codesets", releases=release_statuses(session, core.clock().date())
    )


@router.get("/quarantine")
def quarantine(request: Request, session: DB, coder: AdminCoder, page: int = 1) -> Response:
    stmt = (
        select(InboundMessage)
        .where(InboundMessage.state == "quarantined")
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
    )
    return _render(request, "quarantine.html", coder, "quarantine", **_page_of(session, stmt, page))


@router.get("/inbound/{inbound_id}/raw")
def inbound_raw(inbound_id: int, session: DB, coder: AdminCoder) -> Response:
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        raise NotFound(f"message #{inbound_id}")
    return raw_response(row)


@router.post("/inbound/{inbound_id}/reingest")
def reingest(inbound_id: int, request: Request, session: DB, core: Core, coder: AdminCoder) -> Response:
    """Put a quarantined message's bytes back into the spool; the worker runs intake on them again."""
    row = session.get(InboundMessage, inbound_id)
    if row is None:
        raise NotFound(f"message #{inbound_id}")
    try:
        key = reingest_message(core.spool, row, coder.email)
    except ReingestRefused as exc:
        flash(request, "error", str(exc))
        return RedirectResponse("/admin/quarantine", status_code=303)
    _audit(session, coder, "reingest", "inbound_message", row.id, f"spool/{key}", core)
    session.commit()
    flash(request, "ok", f"Message #{row.id} is back in the spool; intake processes it within seconds.")
    return RedirectResponse("/admin/quarantine", status_code=303)


@router.get("/undeliverable")
def undeliverable(request: Request, session: DB, coder: AdminCoder, page: int = 1) -> Response:
    stmt = (
        select(OutboundMessage)
        .where(OutboundMessage.state == "dead")
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
    )
    return _render(request, "undeliverable.html", coder, "undeliverable", **_page_of(session, stmt, page))


@router.post("/outbound/{outbound_id}/retry")
def retry(outbound_id: int, request: Request, session: DB, core: Core, coder: AdminCoder) -> Response:
    row = session.get(OutboundMessage, outbound_id)
    if row is None:
        raise NotFound(f"outgoing message #{outbound_id}")
    retry_dead(session, outbound_id, core.clock())
    _audit(session, coder, "retry_outbound", "outbound_message", outbound_id, row.to_address, core)
    session.commit()
    flash(request, "ok", f"Message #{outbound_id} to {row.to_address} is queued to be sent again.")
    return RedirectResponse("/admin/undeliverable", status_code=303)
