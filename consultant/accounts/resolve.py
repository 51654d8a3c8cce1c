"""Which account a sender belongs to: an address alias, else the organisation owning the domain,
else a guest account provisioned on first mail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from consultant.accounts.addresses import domain_of, normalize_address
from consultant.models import Account, AccountAddress

GUEST_PLAN = "guest"


# Built once (building a statement costs more than running it). lazyload: the addresses are fetched if
# someone reads them, not with every look-up (the relationship's selectin would).
_BY_ADDRESS = (
    select(Account)
    .join(AccountAddress)
    .where(AccountAddress.address == bindparam("address"))
    .options(lazyload(Account.addresses))
)
_BY_DOMAIN = select(Account).where(Account.domain == bindparam("domain")).options(lazyload(Account.addresses))


def find_account(session: Session, address: str) -> Account | None:
    """The account owning `address` (as an alias, or through its domain), without creating one."""
    addr = normalize_address(address)
    account = session.scalars(_BY_ADDRESS, {"address": addr}).first()
    if account is not None:
        return account
    return session.scalars(_BY_DOMAIN, {"domain": domain_of(addr)}).first()


def account_for_sender(session: Session, address: str, now: datetime) -> Account:
    """Find or provision the sender's account. Does not commit.

    Safe under concurrency: the address is unique in `account_address`; when two workers provision the
    same new sender at once, the loser's insert fails inside a savepoint, which is rolled back (leaving
    the caller's transaction intact), and the winner's account is read instead.
    """
    addr = normalize_address(address)
    account = find_account(session, addr)
    if account is not None:
        return account
    try:
        with session.begin_nested():
            account = Account(plan=GUEST_PLAN, period_start=now, created_at=now)
            account.addresses.append(AccountAddress(address=addr, primary=True, created_at=now))
            session.add(account)
            session.flush()
        return account
    except IntegrityError:
        winner = find_account(session, addr)
        if winner is None:  # the conflict was something else: do not hide it
            raise
        return winner
