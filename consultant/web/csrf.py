"""CSRF: a random token kept in the signed session, echoed by every form (field `csrf_token`) and by
script requests (header `X-CSRF-Token`). A POST whose token is missing or different is refused with 403.
Same-site=lax cookies already stop most cross-site posts; the token also covers older browsers and
same-site attackers (another app on a sibling subdomain)."""

from __future__ import annotations

import secrets

from fastapi import Request

from consultant.web.errors import CsrfFailed

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and secrets.compare_digest(str(expected), str(given))


async def verify_csrf(request: Request) -> None:
    """A router dependency: checks unsafe methods, lets safe ones through."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()  # cached on the request: the endpoint's Form() fields reuse it
            value = form.get(FIELD)
            given = value if isinstance(value, str) else None
    if not tokens_match(request.session.get("csrf"), given):
        raise CsrfFailed()
