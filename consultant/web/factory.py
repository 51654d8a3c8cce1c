"""`create_app(app)`: the FastAPI application for one App (review queue, admin pages, JSON API)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from consultant.app import App
from consultant.web.errors import CsrfFailed, Forbidden, NotFound, SignInRequired
from consultant.web.headers import SecurityHeaders
from consultant.web.queue import CountCache
from consultant.web.templating import make_templates
from consultant.web.throttle import SignInThrottle

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "cc_session"
SESSION_MAX_AGE = 12 * 3600


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


# A draft action's address (/drafts/7/approve) opened with GET: a reload or a copied address after a form.
_DRAFT_ACTION = re.compile(r"^/drafts/(\d+)/[a-z-]+$")


def install_error_handlers(api: FastAPI) -> None:
    templates = api.state.templates

    def page(request: Request, status: int, title: str, message: str) -> Response:
        return templates.TemplateResponse(
            request, "error.html", {"title": title, "message": message, "coder": None}, status_code=status
        )

    @api.exception_handler(SignInRequired)
    async def _sign_in(request: Request, _exc: SignInRequired) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {"detail": "sign in required"}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @api.exception_handler(Forbidden)
    async def _forbidden(request: Request, _exc: Forbidden) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "admins only"}, status_code=403)
        return page(
            request, 403, "Admins only", "This page is for administrators. Ask an admin if you need it."
        )

    @api.exception_handler(CsrfFailed)
    async def _csrf(request: Request, _exc: CsrfFailed) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "missing or invalid CSRF token"}, status_code=403)
        return page(
            request,
            403,
            "Form expired",
            "This form was missing its security token or came from an old page. "
            "Go back, reload the page and try again.",
        )

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        """The framework's own 404/405 (no route, wrong method): pages get the styled page, not JSON."""
        if _wants_json(request) or exc.status_code not in (404, 405):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 405 and request.method == "GET":
            action = _DRAFT_ACTION.match(request.url.path)
            if action:  # e.g. the page shown after "write an answer before approving", reloaded
                return RedirectResponse(f"/drafts/{action.group(1)}", status_code=303)
            return page(request, 405, "Nothing to show here", "This address only takes a submitted form.")
        return page(request, exc.status_code, "Not found", "There is no page at this address.")

    @api.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": f"{exc.what} not found"}, status_code=404)
        return page(request, 404, "Not found", f"There is no {exc.what} here.")


class ClearCountsAfterWrites:
    """Any state-changing request may move drafts between states: forget the cached counts."""

    def __init__(self, app: ASGIApp, cache: CountCache) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            self.cache.clear()


def create_app(app: App) -> FastAPI:
    from consultant.web import api as api_routes
    from consultant.web import registration
    from consultant.web.routes import admin, auth, dashboard, drafts, queue

    settings = app.settings
    api = FastAPI(
        title=f"{settings.service_name} review API",
        version="1",
        description="Review drafts of answers to coding questions: list, claim, edit, approve, reject, ask for "
        "more information. Authenticate with `POST /api/token` and send `Authorization: Bearer <token>`.",
        docs_url=None,  # the Swagger UI loads from a CDN; the schema itself is at /openapi.json
        redoc_url=None,
    )
    api.state.core = app
    api.state.counts = CountCache()
    api.state.throttle = SignInThrottle()
    api.state.templates = make_templates({"service_name": settings.service_name})

    api.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    api.add_middleware(SecurityHeaders)
    api.add_middleware(ClearCountsAfterWrites, cache=api.state.counts)
    install_error_handlers(api)
    api_routes.install_api_errors(api)
    api.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok")

    for module in (auth, queue, drafts, dashboard, admin):
        api.include_router(module.router)
    api.include_router(api_routes.router)
    # Registration pages (guest -> free account) belong to the accounts part.
    api.include_router(registration.router)
    return api
