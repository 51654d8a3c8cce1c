"""Registration by email: a signed, expiring link that upgrades the guest account owning one address
to a free account, without a password. The token carries the address, so a link works only for the
address it was sent to; possession of the mail is the proof."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from consultant.accounts.addresses import AddressError, normalize_address
from consultant.accounts.resolve import GUEST_PLAN, account_for_sender
from consultant.audit import record_event
from consultant.quota.ledger import lock_account
from consultant.quota.plans import Plans

SALT = "consultant.registration.v1"  # a token signed for anything else (sessions, API) never reads here
FREE_PLAN = "free"
DEFAULT_MAX_AGE = timedelta(days=14)


class RegistrationTokenError(ValueError):
    """The link cannot be used; `expired` tells the page which explanation to give."""

    def __init__(self, message: str, *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def make_token(secret: str, address: str) -> str:
    return _serializer(secret).dumps({"address": normalize_address(address)})


def read_token(secret: str, token: str, max_age: timedelta | int = DEFAULT_MAX_AGE) -> str:
    """The address a genuine, unexpired token was made for; otherwise RegistrationTokenError."""
    seconds = int(max_age.total_seconds()) if isinstance(max_age, timedelta) else int(max_age)
    try:
        data = _serializer(secret).loads(token, max_age=seconds)
    except SignatureExpired as exc:
        raise RegistrationTokenError("this registration link has expired", expired=True) from exc
    except BadSignature as exc:
        raise RegistrationTokenError("this registration link is not valid") from exc
    address = data.get("address") if isinstance(data, dict) else None
    try:
        return normalize_address(str(address))
    except AddressError as exc:
        raise RegistrationTokenError("this registration link is not valid") from exc


def registration_url(public_url: str, secret: str, address: str) -> str:
    return f"{public_url.rstrip('/')}/register/{make_token(secret, address)}"


@dataclass(frozen=True)
class Registration:
    account_id: int
    address: str
    plan: str
    upgraded: bool  # False: the account was already past guest (a second click changes nothing)


def register_address(
    session: Session, address: str, plans: Plans, now: datetime, *, actor: str = "registration-link"
) -> Registration:
    """Upgrade the guest account owning `address` to the free plan and mark it verified; audited.
    An account already on another plan is only marked verified. Idempotent; the caller commits."""
    addr = normalize_address(address)
    plans.get(FREE_PLAN)  # fail loudly if the operator's plans file dropped it
    account = lock_account(session, account_for_sender(session, addr, now).id)
    if account.plan != GUEST_PLAN:
        # Only the address's own account is confirmed by it; one person at an organisation's domain
        # does not vouch for the whole organisation.
        if any(a.address == addr for a in account.addresses):
            account.verified = True
        return Registration(account.id, addr, account.plan, upgraded=False)
    account.plan = FREE_PLAN
    account.verified = True
    account.period_start = now
    record_event(
        session,
        at=now,
        actor=actor,
        action="register",
        subject_type="account",
        subject_id=account.id,
        detail=f"guest -> {FREE_PLAN} for {addr}",
    )
    session.flush()
    return Registration(account.id, addr, FREE_PLAN, upgraded=True)
