"""Registration pages: a link from an acknowledgement or over-quota notice upgrades a guest to a free
account. GET only shows a confirm button — mail scanners follow links to check them, and a scanner
must not register anyone — and the POST (CSRF-protected like every form) does the upgrade.
Also /plans, the page replies link to for an upgrade."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from consultant.accounts.registration import (
    FREE_PLAN,
    RegistrationTokenError,
    read_token,
    register_address,
)
from consultant.accounts.resolve import GUEST_PLAN, find_account
from consultant.quota.report import quota_report
from consultant.quota.rules import allowance
from consultant.web.csrf import verify_csrf
from consultant.web.deps import DB, Core

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


def _page(request: Request, name: str, context: dict[str, object], status: int = 200) -> Response:
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, {"coder": None, **context}, status_code=status
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never leak it onward
    return response


def _refused(request: Request, exc: RegistrationTokenError) -> Response:
    # 410 Gone for an expired link (it was genuine once), 400 for one we never signed.
    return _page(
        request,
        "registration_invalid.html",
        {"title": "Link expired" if exc.expired else "Link not valid", "expired": exc.expired},
        status=410 if exc.expired else 400,
    )


@router.get("/register/{token}")
def confirm_form(request: Request, token: str, session: DB, core: Core) -> Response:
    try:
        address = read_token(core.settings.secret_key, token)
    except RegistrationTokenError as exc:
        return _refused(request, exc)
    account = find_account(session, address)
    already = account is not None and account.plan != GUEST_PLAN
    free = core.plans.get(FREE_PLAN)
    guest = core.plans.get(GUEST_PLAN)
    return _page(
        request,
        "registration.html",
        {
            "title": "Register your free account",
            "address": address,
            "token": token,
            "already": already,
            "plan_title": core.plans.get(account.plan).title if account is not None else guest.title,
            "extra_views": allowance(free) - allowance(guest),
            "free_title": free.title,
        },
    )


@router.post("/register/{token}")
def register(request: Request, token: str, session: DB, core: Core) -> Response:
    try:
        address = read_token(core.settings.secret_key, token)
    except RegistrationTokenError as exc:
        return _refused(request, exc)
    result = register_address(session, address, core.plans, core.clock())
    account = find_account(session, address)
    assert account is not None  # register_address provisioned it if it was missing
    report = quota_report(session, account, core.plans)
    session.commit()
    return _page(
        request,
        "registration_done.html",
        {"title": "Registered", "address": address, "upgraded": result.upgraded, "report": report},
    )


@router.get("/plans")
def plans_page(request: Request, core: Core) -> Response:
    plans = sorted(core.plans.plans.values(), key=lambda p: (p.monthly, allowance(p)))
    return _page(request, "registration_plans.html", {"title": "Plans", "plans": plans})
