"""FastAPI dependencies: the App, a database session per request, and the signed-in coder."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from consultant.app import App
from consultant.models import Coder
from consultant.web.errors import Forbidden, SignInRequired
from consultant.web.tokens import read_token


async def get_core(request: Request) -> App:
    # async: a plain attribute read, not worth a hop to the thread pool
    core: App = request.app.state.core
    return core


def get_db(request: Request, core: Annotated[App, Depends(get_core)]) -> Iterator[Session]:
    # Pages (GET) only read: on SQLite their transactions never wait behind the worker's writes.
    factory = core.read_sessions if request.method in {"GET", "HEAD"} else core.sessions
    with factory() as session:
        yield session


def _active_coder(session: Session, coder_id: object) -> Coder | None:
    if not isinstance(coder_id, int):
        return None
    coder = session.get(Coder, coder_id)
    return coder if coder is not None and coder.active else None


def password_stamp(coder: Coder) -> str:
    """A short fingerprint of the coder's password hash, kept in the session: changing the password
    changes it, which signs out every other session of that coder."""
    return hashlib.sha256(coder.password_hash.encode()).hexdigest()[:16]


def _session_coder(request: Request, session: Session) -> Coder | None:
    coder = _active_coder(session, request.session.get("coder_id"))
    if coder is not None and request.session.get("stamp") != password_stamp(coder):
        return None
    return coder


def current_coder(request: Request, session: Annotated[Session, Depends(get_db)]) -> Coder:
    """The coder signed in through the session cookie (pages)."""
    coder = _session_coder(request, session)
    if coder is None:
        request.session.pop("coder_id", None)
        raise SignInRequired()
    return coder


# Declares the bearer scheme in the OpenAPI document; a missing header is not an error by itself
# because a signed-in browser may use its session cookie instead.
bearer = HTTPBearer(auto_error=False, description="A token from POST /api/token")


def api_coder(
    request: Request,
    session: Annotated[Session, Depends(get_db)],
    core: Annotated[App, Depends(get_core)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Coder:
    """The coder named by a bearer token, else the one signed in through the session cookie."""
    if credentials is not None:
        claims = read_token(core.settings.secret_key, credentials.credentials.strip())
        coder = _active_coder(session, claims[0]) if claims else None
        if coder is not None and claims is not None and claims[1] != password_stamp(coder):
            coder = None  # issued before a password change
    else:
        coder = _session_coder(request, session)
    if coder is None:
        raise SignInRequired()
    return coder


def admin_coder(coder: Annotated[Coder, Depends(current_coder)]) -> Coder:
    if coder.role != "admin":
        raise Forbidden()
    return coder


DB = Annotated[Session, Depends(get_db)]
Core = Annotated[App, Depends(get_core)]
CurrentCoder = Annotated[Coder, Depends(current_coder)]
AdminCoder = Annotated[Coder, Depends(admin_coder)]
ApiCoder = Annotated[Coder, Depends(api_coder)]
