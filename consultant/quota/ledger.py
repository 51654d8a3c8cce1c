"""The quota ledger in the database: reserve when a draft is made, charge when the reply goes out,
release when the draft is rejected or expires.

Reservations for one account are serialised by locking the account row (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite every write transaction is BEGIN IMMEDIATE, which serialises writers), so two
workers can never both spend the last view.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from consultant.models import Account, QuotaEntry
from consultant.quota.plans import Plans
from consultant.quota.rules import Allocation, Balance, allocate, allowance


def lock_account(session: Session, account_id: int) -> Account:
    account = session.execute(
        select(Account).where(Account.id == account_id).with_for_update()
    ).scalar_one()
    return account


def _window_start(account: Account, plans: Plans) -> datetime | None:
    return account.period_start if plans.get(account.plan).monthly else None


def balance(session: Session, account: Account, plans: Plans) -> Balance:
    since = _window_start(account, plans)
    rows = session.execute(
        select(QuotaEntry.state, func.count())
        .where(QuotaEntry.account_id == account.id, QuotaEntry.state.in_(("reserved", "charged")))
        .where(QuotaEntry.created_at >= since if since is not None else True)
        .group_by(QuotaEntry.state)
    ).all()
    counts = {state: n for state, n in rows}
    return Balance(
        allowance=allowance(plans.get(account.plan)),
        charged=counts.get("charged", 0),
        reserved=counts.get("reserved", 0),
    )


def seen_pages(session: Session, account: Account, plans: Plans) -> set[str]:
    """Code pages this account has already been charged for (in the current period, for monthly plans)."""
    since = _window_start(account, plans)
    stmt = select(QuotaEntry.code_page).where(
        QuotaEntry.account_id == account.id, QuotaEntry.state == "charged"
    )
    if since is not None:
        stmt = stmt.where(QuotaEntry.created_at >= since)
    return set(session.scalars(stmt))


def reserve(
    session: Session, account_id: int, draft_id: int, code_pages: list[str], plans: Plans, now: datetime
) -> Allocation:
    """Reserve views for a draft's code pages. Caller commits; the account row stays locked until then."""
    account = lock_account(session, account_id)
    allocation = allocate(code_pages, seen_pages(session, account, plans), balance(session, account, plans))
    for page in allocation.reserve:
        session.add(
            QuotaEntry(account_id=account.id, draft_id=draft_id, code_page=page, state="reserved", created_at=now)
        )
    session.flush()
    return allocation


def _settle(session: Session, draft_id: int, state: str, now: datetime) -> int:
    result = session.execute(
        update(QuotaEntry)
        .where(QuotaEntry.draft_id == draft_id, QuotaEntry.state == "reserved")
        .values(state=state, settled_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def charge(session: Session, draft_id: int, now: datetime) -> int:
    """The reply went out: its reserved views become charged."""
    return _settle(session, draft_id, "charged", now)


def release(session: Session, draft_id: int, now: datetime) -> int:
    """The draft was rejected or expired: its reserved views go back to the account."""
    return _settle(session, draft_id, "released", now)
