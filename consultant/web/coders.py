"""Coder accounts: create, find, authenticate. Plain functions over a Session; the caller commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consultant.audit import record_event
from consultant.models import Coder
from consultant.web.passwords import check_strength, hash_password, needs_rehash, verify_password

ROLES = ("coder", "admin")


class CoderError(ValueError):
    pass


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_coder(session: Session, email: str) -> Coder | None:
    return session.scalar(select(Coder).where(func.lower(Coder.email) == normalise_email(email)))


def create_coder(
    session: Session,
    email: str,
    password: str,
    role: str,
    now: datetime,
    *,
    name: str = "",
    actor: str = "cli",
) -> Coder:
    email = normalise_email(email)
    if "@" not in email or len(email) > 320:
        raise CoderError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise CoderError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    check_strength(password)
    if find_coder(session, email) is not None:
        raise CoderError(f"a coder with address {email} already exists")
    coder = Coder(
        email=email, name=name.strip(), role=role, password_hash=hash_password(password), created_at=now
    )
    session.add(coder)
    session.flush()
    record_event(
        session,
        at=now,
        actor=actor,
        action="coder_created",
        subject_type="coder",
        subject_id=coder.id,
        detail=f"role={role}",
    )
    return coder


def authenticate(session: Session, email: str, password: str) -> Coder | None:
    """The active coder with this address and password, or None. Upgrades an outdated hash in passing."""
    coder = find_coder(session, email)
    ok = verify_password(coder.password_hash if coder else None, password)
    if coder is None or not ok or not coder.active:
        return None
    if needs_rehash(coder.password_hash):
        coder.password_hash = hash_password(password)
    return coder
