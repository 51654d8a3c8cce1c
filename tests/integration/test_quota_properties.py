"""Any sequence of reserve / charge / release keeps the ledger's promises: never more views used than
the plan allows, a page charged at most once per account, and `balance` equal to a plain recount."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consultant.app import App
from consultant.models import Account, QuotaEntry
from consultant.quota.ledger import balance, charge, release, reserve
from consultant.quota.plans import load_plans
from tests.integration.quota_support import NOW, make_account, make_drafts

pytestmark = pytest.mark.integration
PLANS = load_plans()
PAGES = [f"cpt:{n}" for n in range(99211, 99215)]
_serial = itertools.count()

op = st.one_of(
    st.tuples(st.just("reserve"), st.integers(0, 2), st.lists(st.sampled_from(PAGES), max_size=4)),
    st.tuples(st.just("charge"), st.integers(0, 2), st.just([])),
    st.tuples(st.just("release"), st.integers(0, 2), st.just([])),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=st.sampled_from(["guest", "free"]), ops=st.lists(op, max_size=14))
# the case a careless ledger gets wrong: two pending drafts for one page, both sent
@example(
    plan="free",
    ops=[("reserve", 0, PAGES[:1]), ("reserve", 1, PAGES[:1]), ("charge", 0, []), ("charge", 1, [])],
)
def test_any_sequence_keeps_the_promises(app: App, plan: str, ops: list[tuple[str, int, list[str]]]) -> None:
    n = next(_serial)
    with app.sessions.begin() as s:
        acct = make_account(s, f"p{n}@example.org", plan=plan)
        drafts = make_drafts(s, acct, 6, tag=f"p{n}")
    allowed = 1 if plan == "guest" else 6
    for name, which, pages in ops:
        draft = drafts[which]
        with app.sessions.begin() as s:
            if name == "reserve":
                reserve(s, acct, draft, pages, PLANS, NOW)
            elif name == "charge":
                charge(s, draft, NOW)
            else:
                release(s, draft, NOW)
        with app.sessions() as s:
            entries = s.scalars(select(QuotaEntry).where(QuotaEntry.account_id == acct)).all()
            b = balance(s, s.get_one(Account, acct), PLANS)
        live = [e for e in entries if e.state in ("reserved", "charged")]
        charged = [e.code_page for e in entries if e.state == "charged"]
        assert len(live) <= allowed
        assert len(charged) == len(set(charged))
        assert (b.reserved, b.charged) == (len(live) - len(charged), len(charged))
        assert b.remaining == allowed - len(live)
