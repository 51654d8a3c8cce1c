"""The quota ledger against a real database: reserve, charge, release, repeat pages, suspension."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from consultant.app import App
from consultant.models import Account, Draft, QuotaEntry
from consultant.quota.ledger import allocate_unverified, charge, quote, release, reserve, settle_orphans
from consultant.quota.plans import load_plans
from consultant.quota.report import quota_report
from tests.integration.quota_support import NOW, make_account, make_drafts

pytestmark = pytest.mark.integration
PLANS = load_plans()


def report(app: App, account_id: int) -> dict[str, object]:
    with app.sessions() as s:
        return quota_report(s, s.get_one(Account, account_id), PLANS).as_json()


def test_guest_gets_one_page_then_registering_gives_the_rest(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "guest@example.org")
        d1, d2 = make_drafts(s, acct, 2)
    with app.sessions.begin() as s:
        a = reserve(s, acct, d1, ["icd10cm:E11.22", "icd10cm:N18.31"], PLANS, NOW)
    assert (a.shown, a.withheld, a.remaining_after) == (("icd10cm:E11.22",), ("icd10cm:N18.31",), 0)
    assert report(app, acct)["reserved"] == 1 and report(app, acct)["views_remaining"] == 0
    with app.sessions.begin() as s:
        assert charge(s, d1, NOW) == 1
        assert charge(s, d1, NOW) == 0  # idempotent
    r = report(app, acct)
    assert (r["charged"], r["reserved"], r["views_used"], r["views_remaining"]) == (1, 0, 1, 0)
    with app.sessions.begin() as s:
        s.get_one(Account, acct).plan = "free"
    assert report(app, acct)["views_remaining"] == 5
    with app.sessions.begin() as s:
        b = reserve(s, acct, d2, ["icd10cm:E11.22", "icd10cm:N18.31"], PLANS, NOW)
    # the page already charged is shown again for nothing; only the new one costs a view
    assert b.shown == ("icd10cm:E11.22", "icd10cm:N18.31") and b.reserve == ("icd10cm:N18.31",)
    assert b.remaining_after == 4
    with app.sessions.begin() as s:
        charge(s, d2, NOW)
    r = report(app, acct)
    assert (r["charged"], r["views_remaining"]) == (2, 4)


def test_a_rejected_draft_gives_its_views_back(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "free@example.org", plan="free")
        (d1,) = make_drafts(s, acct, 1)
    with app.sessions.begin() as s:
        reserve(s, acct, d1, ["cpt:99214", "cpt:99215", "hcpcs:J1100"], PLANS, NOW)
    assert report(app, acct)["views_remaining"] == 3
    with app.sessions.begin() as s:
        assert release(s, d1, NOW) == 3
        assert charge(s, d1, NOW) == 0  # nothing left to charge after release
    r = report(app, acct)
    assert (r["views_remaining"], r["reserved"], r["charged"]) == (6, 0, 0)


def test_two_pending_drafts_for_one_page_are_charged_once(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "twice@example.org", plan="free")
        d1, d2 = make_drafts(s, acct, 2)
    with app.sessions.begin() as s:
        reserve(s, acct, d1, ["cpt:99214"], PLANS, NOW)
        reserve(s, acct, d2, ["cpt:99214"], PLANS, NOW)
    assert report(app, acct)["reserved"] == 2  # conservative while both are pending
    with app.sessions.begin() as s:
        assert charge(s, d1, NOW) == 1
        assert charge(s, d2, NOW) == 0
    r = report(app, acct)
    assert (r["charged"], r["reserved"], r["views_remaining"]) == (1, 0, 5)


def test_unverified_mail_spends_nothing(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "victim@example.org", plan="free")
        d_paid, d_spoof = make_drafts(s, acct, 2)
    with app.sessions.begin() as s:
        reserve(s, acct, d_paid, ["cpt:99214"], PLANS, NOW)
        charge(s, d_paid, NOW)
    with app.sessions.begin() as s:
        a = allocate_unverified(s, acct, ["cpt:99214", "cpt:99215"], PLANS)
    assert a.shown == ("cpt:99214",) and a.withheld == ("cpt:99215",) and a.reserve == ()
    assert a.remaining_after == 5
    with app.sessions.begin() as s:
        assert charge(s, d_spoof, NOW) == 0
        assert s.scalars(select(QuotaEntry).where(QuotaEntry.draft_id == d_spoof)).all() == []
    assert report(app, acct)["views_remaining"] == 5


def test_suspended_account_spends_nothing_new(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "sus@example.org", plan="free", status="suspended")
        (d1,) = make_drafts(s, acct, 1)
    with app.sessions.begin() as s:
        a = reserve(s, acct, d1, ["cpt:99214"], PLANS, NOW)
        assert quote(s, acct, ["cpt:99214"], PLANS).withheld == ("cpt:99214",)
    assert a.withheld == ("cpt:99214",) and a.reserve == ()
    assert report(app, acct)["views_remaining"] == 0


def test_monthly_plan_counts_only_the_current_period(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "pro@example.org", plan="pro", period_start=datetime(2026, 2, 1))
        d_old, d_new = make_drafts(s, acct, 2)
    with app.sessions.begin() as s:
        reserve(s, acct, d_old, ["cpt:99214"], PLANS, datetime(2026, 2, 5))
        charge(s, d_old, datetime(2026, 2, 5))
        reserve(s, acct, d_new, ["cpt:99215"], PLANS, datetime(2026, 3, 2))
        charge(s, d_new, datetime(2026, 3, 2))
    assert report(app, acct)["views_used"] == 2
    with app.sessions.begin() as s:
        s.get_one(Account, acct).period_start = datetime(2026, 3, 1)
    r = report(app, acct)
    assert (r["views_used"], r["views_remaining"], r["period_start"]) == (1, 99, "2026-03-01T00:00:00")


def test_settle_orphans_charges_sent_and_releases_rejected(app: App) -> None:
    with app.sessions.begin() as s:
        acct = make_account(s, "orphan@example.org", plan="free")
        d_sent, d_rej, d_pending = make_drafts(s, acct, 3)
    with app.sessions.begin() as s:
        for d, page in ((d_sent, "cpt:1"), (d_rej, "cpt:2"), (d_pending, "cpt:3")):
            reserve(s, acct, d, [page], PLANS, NOW)
        s.get_one(Draft, d_sent).state = "sent"
        s.get_one(Draft, d_rej).state = "rejected"
    with app.sessions.begin() as s:
        assert settle_orphans(s, NOW) == (1, 1)
    r = report(app, acct)
    assert (r["charged"], r["reserved"], r["views_remaining"]) == (1, 1, 4)


def test_monthly_reset_moves_only_monthly_plans_whose_month_passed(app: App) -> None:
    from consultant.accounts.periods import reset_monthly_periods

    with app.sessions.begin() as s:
        due = make_account(s, "due@example.org", plan="pro", period_start=datetime(2026, 1, 20, 8))
        fresh = make_account(s, "fresh@example.org", plan="practice", period_start=datetime(2026, 3, 1))
        lifetime = make_account(s, "life@example.org", plan="free", period_start=datetime(2025, 1, 1))
        (d,) = make_drafts(s, due, 1)
        reserve(s, due, d, ["cpt:99214"], PLANS, datetime(2026, 3, 1))
        charge(s, d, datetime(2026, 3, 1))
    assert report(app, due)["views_used"] == 1
    with app.sessions.begin() as s:
        assert reset_monthly_periods(s, PLANS, datetime(2026, 3, 25)) == 1
    with app.sessions.begin() as s:
        assert reset_monthly_periods(s, PLANS, datetime(2026, 3, 25)) == 0  # idempotent
        starts = {a: s.get_one(Account, a).period_start for a in (due, fresh, lifetime)}
    assert starts == {
        due: datetime(2026, 3, 20, 8),
        fresh: datetime(2026, 3, 1),
        lifetime: datetime(2025, 1, 1),
    }
    r = report(app, due)
    assert (r["views_used"], r["views_remaining"]) == (0, 100)  # the view of 1 March was last month's


def test_register_address_upgrades_guests_only(app: App) -> None:
    from consultant.accounts.registration import register_address

    with app.sessions.begin() as s:
        org = make_account(s, "boss@clinic.example", plan="practice", domain="clinic.example")
        r_new = register_address(s, "New@Example.org", PLANS, NOW)
        r_org = register_address(s, "nurse@clinic.example", PLANS, NOW)
        r_again = register_address(s, "new@example.org", PLANS, NOW)
    assert (r_new.plan, r_new.upgraded) == ("free", True)
    assert r_org.account_id == org and not r_org.upgraded and r_again.upgraded is False
    with app.sessions() as s:
        assert s.get_one(Account, r_new.account_id).verified
        assert not s.get_one(Account, org).verified  # one address does not vouch for an organisation


def test_monthly_consultation_limit(app: App) -> None:
    from consultant.quota.plans import parse_plans
    from consultant.quota.report import may_open_consultation

    plans = parse_plans(
        "[plans.guest]\nlifetime_views = 1\n[plans.free]\nlifetime_views = 6\n"
        "[plans.team]\nmonthly_views = 10\nmonthly_consultations = 2\n"
    )
    with app.sessions.begin() as s:
        acct = make_account(s, "team@example.org", plan="team", period_start=NOW)
        free = make_account(s, "free2@example.org", plan="free")
        assert may_open_consultation(s, s.get_one(Account, acct), plans)
        make_drafts(s, acct, 2)  # two consultations this period
        make_drafts(s, free, 3)
        assert not may_open_consultation(s, s.get_one(Account, acct), plans)
        assert may_open_consultation(s, s.get_one(Account, free), plans)
        assert quota_report(s, s.get_one(Account, acct), plans).consultations_this_period == 2
