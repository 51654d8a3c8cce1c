"""Sign in and sign out."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from consultant.audit import record_event
from consultant.web.coders import authenticate
from consultant.web.csrf import verify_csrf
from consultant.web.deps import DB, Core, CurrentCoder, password_stamp
from consultant.web.passwords import WeakPassword, check_strength, hash_password, verify_password

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Only a local path: never send a coder on to another site after sign-in."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/queue"


def throttle_keys(request: Request, email: str) -> tuple[str, str]:
    client = request.client.host if request.client else "unknown"
    return email.strip().lower(), client


@router.get("/login")
def login_form(request: Request, next: str = "/queue") -> Response:
    if request.session.get("coder_id"):
        return RedirectResponse(safe_next(next), status_code=303)
    return request.app.state.templates.TemplateResponse(
        request, "login.html", {"coder": None, "next": safe_next(next), "error": None, "email": ""}
    )


@router.post("/login")
def login(
    request: Request,
    session: DB,
    core: Core,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/queue",
) -> Response:
    throttle = request.app.state.throttle
    keys = throttle_keys(request, email)

    def refuse(error: str, status: int) -> Response:
        return request.app.state.templates.TemplateResponse(
            request,
            "login.html",
            {"coder": None, "next": safe_next(next), "email": email, "error": error},
            status_code=status,
        )

    if throttle.blocked(*keys):
        return refuse(
            "Too many failed sign-ins. Wait 15 minutes, or ask an admin to check your account.", 429
        )
    coder = authenticate(session, email, password)
    if coder is None:
        throttle.failed(*keys)
        return refuse("That address and password do not match an active coder.", 401)
    throttle.succeeded(keys[0])
    record_event(
        session,
        at=core.clock(),
        actor=coder.email,
        coder_id=coder.id,
        action="signed_in",
        subject_type="coder",
        subject_id=coder.id,
    )
    session.commit()
    # A new session on sign-in: nothing set before it (by anyone) carries over.
    request.session.clear()
    request.session["coder_id"] = coder.id
    request.session["stamp"] = password_stamp(coder)
    request.session["csrf"] = secrets.token_urlsafe(32)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/account")
def account_page(request: Request, coder: CurrentCoder) -> Response:
    return request.app.state.templates.TemplateResponse(
        request, "account.html", {"coder": coder, "nav": "", "error": None}
    )


@router.post("/account/password")
def change_password(
    request: Request,
    session: DB,
    core: Core,
    coder: CurrentCoder,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> Response:
    error = None
    if not verify_password(coder.password_hash, current):
        error = "Your current password is not right."
    elif new != repeat:
        error = "The two new passwords differ."
    else:
        try:
            check_strength(new)
        except WeakPassword as exc:
            error = f"The new password is too weak: {exc}."
    if error:
        return request.app.state.templates.TemplateResponse(
            request, "account.html", {"coder": coder, "nav": "", "error": error}, status_code=400
        )
    coder.password_hash = hash_password(new)
    record_event(
        session,
        at=core.clock(),
        actor=coder.email,
        coder_id=coder.id,
        action="password_changed",
        subject_type="coder",
        subject_id=coder.id,
    )
    session.commit()
    # This session stays signed in; every other one (another browser, a stolen cookie) is signed out.
    request.session["stamp"] = password_stamp(coder)
    request.session["flash"] = [["ok", "Password changed. Other sessions are signed out."]]
    return RedirectResponse("/account", status_code=303)
