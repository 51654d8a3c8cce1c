"""Operator use cases on accounts: add, alias, change plan, suspend. Each is audited; callers commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.accounts.addresses import normalize_address, normalize_domain
from consultant.accounts.resolve import find_account
from consultant.audit import record_event
from consultant.models import Account, AccountAddress
from consultant.quota.plans import Plans

STATUSES = ("active", "suspended")


class AccountError(ValueError):
    """An operator request that cannot be done; the message says why."""


def _audit(session: Session, account: Account, actor: str, action: str, detail: str, now: datetime) -> None:
    record_event(
        session,
        at=now,
        actor=actor,
        action=action,
        subject_type="account",
        subject_id=account.id,
        detail=detail,
    )


def lookup(session: Session, ident: str) -> Account:
    """An account by address (or any address at an organisation's domain), `@domain`, or `#id`."""
    ident = ident.strip()
    account: Account | None
    if ident.startswith("#") and ident[1:].isdigit():
        account = session.get(Account, int(ident[1:]))
    elif ident.startswith("@"):
        account = session.scalars(select(Account).where(Account.domain == normalize_domain(ident))).first()
    else:
        account = find_account(session, ident)
    if account is None:
        raise AccountError(f"no account for {ident!r}")
    return account


def add_account(
    session: Session,
    plans: Plans,
    now: datetime,
    *,
    address: str | None,
    plan: str,
    name: str = "",
    domain: str | None = None,
    actor: str = "cli",
) -> Account:
    plans.get(plan)  # PlanError names the known plans
    if address is None and domain is None:
        raise AccountError("give an address, a --domain, or both")
    addr = normalize_address(address) if address else None
    dom = normalize_domain(domain) if domain else None
    if addr is not None:
        owner = session.scalars(select(AccountAddress).where(AccountAddress.address == addr)).first()
        if owner is not None:
            raise AccountError(f"{addr} already belongs to account #{owner.account_id}")
    if dom is not None and session.scalars(select(Account).where(Account.domain == dom)).first() is not None:
        raise AccountError(f"the domain {dom} already belongs to an account")
    account = Account(name=name, plan=plan, domain=dom, period_start=now, created_at=now, verified=False)
    if addr is not None:
        account.addresses.append(AccountAddress(address=addr, primary=True, created_at=now))
    session.add(account)
    session.flush()
    _audit(
        session, account, actor, "account_add", f"plan={plan} address={addr or ''} domain={dom or ''}", now
    )
    return account


def add_alias(
    session: Session, ident: str, new_address: str, now: datetime, *, move: bool = False, actor: str = "cli"
) -> Account:
    """Another address for the account. An address already on another account is refused unless
    `move`: then it leaves that account (whose ledger stays where it is: views are not merged)."""
    account = lookup(session, ident)
    addr = normalize_address(new_address)
    existing = session.scalars(select(AccountAddress).where(AccountAddress.address == addr)).first()
    if existing is not None:
        if existing.account_id == account.id:
            return account
        if not move:
            raise AccountError(
                f"{addr} already belongs to account #{existing.account_id}; use --move to move it here"
            )
        _audit(session, existing.account, actor, "alias_moved_out", f"{addr} -> account #{account.id}", now)
        session.delete(existing)
        session.flush()
    account.addresses.append(AccountAddress(address=addr, primary=not account.addresses, created_at=now))
    session.flush()
    _audit(session, account, actor, "alias_add", addr, now)
    return account


def set_plan(
    session: Session, ident: str, plan: str, plans: Plans, now: datetime, *, actor: str = "cli"
) -> Account:
    new = plans.get(plan)
    account = lookup(session, ident)
    old = account.plan
    if old == plan:
        return account
    account.plan = plan
    if new.monthly:
        account.period_start = now  # a monthly plan's first month starts today
    _audit(session, account, actor, "plan", f"{old} -> {plan}", now)
    session.flush()
    return account


def set_status(session: Session, ident: str, status: str, now: datetime, *, actor: str = "cli") -> Account:
    if status not in STATUSES:
        raise AccountError(f"unknown status {status!r}; known: {', '.join(STATUSES)}")
    account = lookup(session, ident)
    if account.status != status:
        _audit(session, account, actor, "status", f"{account.status} -> {status}", now)
        account.status = status
        session.flush()
    return account
