"""`reserve` reads the balance and the pages already seen in one query; it must say exactly what
`balance` and `seen_pages` say, for lifetime and monthly plans, inside and outside the window."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consultant.app import App
from consultant.models import Account, QuotaEntry
from consultant.quota.ledger import balance, balance_and_seen, seen_pages
from consultant.quota.plans import load_plans
from tests.integration.quota_support import NOW, make_account, make_drafts

pytestmark = pytest.mark.integration
PLANS = load_plans()


@pytest.mark.parametrize("plan", ["guest", "free", "pro", "practice"])
def test_one_query_agrees_with_balance_and_seen_pages(app: App, plan: str) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, f"{plan}@example.org", plan=plan)
        other = make_account(s, f"other-{plan}@example.org", plan=plan)
        drafts = make_drafts(s, acct, 2)
        entries = [
            ("charged", "icd10cm:E11.22", NOW - timedelta(days=40)),  # before this month's window
            ("charged", "icd10cm:N18.31", NOW + timedelta(days=1)),
            ("reserved", "cpt:99214", NOW - timedelta(days=40)),
            ("reserved", "cpt:99215", NOW + timedelta(hours=1)),
            ("reserved", "cpt:99215", NOW + timedelta(hours=2)),
            ("released", "hcpcs:J1100", NOW + timedelta(hours=1)),
        ]
        for state, page, at in entries:
            s.add(QuotaEntry(account_id=acct, draft_id=drafts[0], code_page=page, state=state, created_at=at))
        s.add(QuotaEntry(account_id=other, code_page="cpt:20610", state="charged", created_at=NOW))
    with app.sessions() as s:
        account = s.get_one(Account, acct)
        combined, seen = balance_and_seen(s, account, PLANS)
        assert combined == balance(s, account, PLANS)
        assert seen == seen_pages(s, acct) == {"icd10cm:E11.22", "icd10cm:N18.31"}
    lifetime = not PLANS.get(plan).monthly
    assert (combined.charged, combined.reserved) == ((2, 3) if lifetime else (1, 2))
