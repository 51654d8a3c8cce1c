"""The quota ledger in the database: reserve when a draft is made, charge when the reply goes out,
release when the draft is rejected or expires.

Every function that spends or settles views first locks the account row (SELECT ... FOR UPDATE on
PostgreSQL; on SQLite every write transaction is BEGIN IMMEDIATE, which serialises writers), so two
workers can never both spend the last view, and two replies can never both charge the same code page.
Nothing here commits: the caller's transaction is the unit of work, and the lock lasts until it ends.

Unverified mail (DMARC policy on, sender not verified) must never cost the account it claims to be:
the pipeline calls `allocate_unverified` for it, which writes nothing, instead of `reserve`. A draft
without reservations has nothing to charge or release, so `charge`/`release` on it are no-ops.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, bindparam, func, select, true, update
from sqlalchemy.orm import Session, lazyload

from consultant.models import Account, Draft, QuotaEntry
from consultant.quota.plans import Plans
from consultant.quota.rules import Allocation, Balance, allocate, allowance

ACTIVE = "active"


# Built once (building a statement costs more than running it). lazyload: the ledger never reads the
# addresses, so they are not fetched with the row (the relationship's selectin would).
_LOCK_ACCOUNT = (
    select(Account)
    .where(Account.id == bindparam("account_id"))
    .options(lazyload(Account.addresses))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_account(session: Session, account_id: int) -> Account:
    # populate_existing: the row may sit in the session's identity map with values read before
    # another worker committed; after taking the lock we want what is in the database now.
    return session.execute(_LOCK_ACCOUNT, {"account_id": account_id}).scalar_one()


def _in_window(account: Account, plans: Plans) -> ColumnElement[bool]:
    """Monthly plans count views since the period started; lifetime plans count them all."""
    if plans.get(account.plan).monthly:
        return QuotaEntry.created_at >= account.period_start
    return true()


def balance(session: Session, account: Account, plans: Plans) -> Balance:
    rows = session.execute(
        select(QuotaEntry.state, func.count())
        .where(QuotaEntry.account_id == account.id, QuotaEntry.state.in_(("reserved", "charged")))
        .where(_in_window(account, plans))
        .group_by(QuotaEntry.state)
    ).all()
    counts = {state: int(n) for state, n in rows}
    return Balance(
        allowance=allowance(plans.get(account.plan)),
        charged=counts.get("charged", 0),
        reserved=counts.get("reserved", 0),
    )


def seen_pages(session: Session, account_id: int) -> set[str]:
    """Code pages this account has ever been charged for: showing them again costs nothing."""
    return set(
        session.scalars(
            select(QuotaEntry.code_page).where(
                QuotaEntry.account_id == account_id, QuotaEntry.state == "charged"
            )
        )
    )


def _entries_statement(in_window: ColumnElement[bool]) -> Select[str, str, bool]:
    return select(QuotaEntry.state, QuotaEntry.code_page, in_window.label("in_window")).where(
        QuotaEntry.account_id == bindparam("account_id"), QuotaEntry.state.in_(("reserved", "charged"))
    )


# Built once per kind of window (building a statement costs more than running it).
_ENTRIES_MONTHLY = _entries_statement(QuotaEntry.created_at >= bindparam("period_start"))
_ENTRIES_LIFETIME = _entries_statement(true())


def balance_and_seen(session: Session, account: Account, plans: Plans) -> tuple[Balance, set[str]]:
    """`balance` and `seen_pages` in one query (reserve asks for both on every draft): the account's
    reserved and charged entries, each marked whether it falls in the plan's window (as `_in_window`)."""
    if plans.get(account.plan).monthly:
        params = {"account_id": account.id, "period_start": account.period_start}
        rows = session.execute(_ENTRIES_MONTHLY, params).all()
    else:
        rows = session.execute(_ENTRIES_LIFETIME, {"account_id": account.id}).all()
    counted = [state for state, _page, inside in rows if inside]
    current = Balance(
        allowance=allowance(plans.get(account.plan)),
        charged=counted.count("charged"),
        reserved=counted.count("reserved"),
    )
    return current, {page for state, page, _inside in rows if state == "charged"}


def _spendable(account: Account, current: Balance) -> Balance:
    # A suspended account keeps what it has already seen but spends nothing new.
    if account.status != ACTIVE:
        return Balance(allowance=0, charged=current.charged, reserved=current.reserved)
    return current


def reserve(
    session: Session, account_id: int, draft_id: int, code_pages: list[str], plans: Plans, now: datetime
) -> Allocation:
    """Reserve views for a verified sender's draft. Pages already charged are shown free; new pages
    are reserved in the order asked while views remain; the rest are withheld.

    A page reserved by another draft still pending is reserved again (conservative: it can never
    overspend); whichever reply goes out second is then not charged for it (see `charge`).
    """
    account = lock_account(session, account_id)
    current, seen = balance_and_seen(session, account, plans)
    allocation = allocate(code_pages, seen, _spendable(account, current))
    for page in allocation.reserve:
        session.add(
            QuotaEntry(
                account_id=account.id, draft_id=draft_id, code_page=page, state="reserved", created_at=now
            )
        )
    session.flush()
    return allocation


def quote(session: Session, account_id: int, code_pages: list[str], plans: Plans) -> Allocation:
    """What `reserve` would give right now, without writing or locking (for display only)."""
    account = session.get_one(Account, account_id)
    current = _spendable(account, balance(session, account, plans))
    return allocate(code_pages, seen_pages(session, account.id), current)


def allocate_unverified(session: Session, account_id: int, code_pages: list[str], plans: Plans) -> Allocation:
    """For held, unverified mail: show only pages the claimed account has already paid for, spend
    nothing and write nothing. `remaining_after` is the account's balance, untouched."""
    account = session.get_one(Account, account_id)
    nothing_left = Balance(allowance=0, charged=0, reserved=0)
    allocation = allocate(code_pages, seen_pages(session, account.id), nothing_left)
    remaining = _spendable(account, balance(session, account, plans)).remaining
    return Allocation(allocation.shown, (), allocation.withheld, remaining)


def _reserved_for(session: Session, draft_id: int) -> list[QuotaEntry]:
    return list(
        session.scalars(
            select(QuotaEntry)
            .where(QuotaEntry.draft_id == draft_id, QuotaEntry.state == "reserved")
            .order_by(QuotaEntry.id)
        )
    )


def _lock_accounts(session: Session, entries: Iterable[QuotaEntry]) -> None:
    for account_id in sorted({e.account_id for e in entries}):  # sorted: a fixed lock order, no deadlock
        lock_account(session, account_id)


def _settle(session: Session, draft_id: int, state: str, now: datetime) -> int:
    result = session.execute(
        update(QuotaEntry)
        .where(QuotaEntry.draft_id == draft_id, QuotaEntry.state == "reserved")
        .values(state=state, settled_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def charge(session: Session, draft_id: int, now: datetime) -> int:
    """The reply went out: its reserved views become charged. Returns how many views were charged.

    A page the account was charged for meanwhile (by another reply) is released instead: a code
    page already shown costs nothing the next time. Idempotent: a second call charges nothing.
    """
    entries = _reserved_for(session, draft_id)
    if not entries:
        return 0
    _lock_accounts(session, entries)
    entries = _reserved_for(session, draft_id)  # re-read under the lock: another worker may have settled
    charged = 0
    for entry in entries:
        if entry.code_page in seen_pages(session, entry.account_id):
            entry.state = "released"
        else:
            entry.state = "charged"
            charged += 1
        entry.settled_at = now
        session.flush()
    return charged


def release(session: Session, draft_id: int, now: datetime) -> int:
    """The draft was rejected or expired: its reserved views go back to the account."""
    return _settle(session, draft_id, "released", now)


def settle_orphans(session: Session, now: datetime) -> tuple[int, int]:
    """A sweeper for the scheduler: reservations whose draft was sent are charged, those whose draft
    was rejected or expired are released (in case a crash came between the two). Returns
    (charged, released)."""
    charged = released = 0
    rows = session.execute(
        select(Draft.account_id, Draft.id, Draft.state)
        .join(QuotaEntry, QuotaEntry.draft_id == Draft.id)
        .where(QuotaEntry.state == "reserved", Draft.state.in_(("sent", "rejected", "expired")))
        .distinct()
        .order_by(Draft.account_id, Draft.id)  # accounts locked in one order: two sweepers cannot deadlock
    ).all()
    for _account_id, draft_id, state in rows:
        if state == "sent":
            charged += charge(session, draft_id, now)
        else:
            released += release(session, draft_id, now)
    return charged, released
