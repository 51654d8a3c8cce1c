"""Quota arithmetic, plans parsing and monthly periods: pure functions, no database."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consultant.quota.periods import add_months, current_period_start
from consultant.quota.plans import PlanError, load_plans, parse_plans
from consultant.quota.rules import Balance, allocate, allowance


def test_default_plans_match_the_product_page() -> None:
    plans = load_plans()
    assert allowance(plans.get("guest")) == 1
    assert allowance(plans.get("free")) - allowance(plans.get("guest")) == 5  # "5 more"
    assert plans.get("pro").monthly and not plans.get("free").monthly


def test_allocate_in_order_asked_with_seen_pages_free() -> None:
    a = allocate(["a", "b", "a", "c", "d"], {"c"}, Balance(allowance=3, charged=1, reserved=0))
    assert a.shown == ("a", "b", "c") and a.reserve == ("a", "b")
    assert a.withheld == ("d",) and a.remaining_after == 0


def test_allocate_with_nothing_left_withholds_unseen() -> None:
    a = allocate(["x", "y"], {"y"}, Balance(allowance=1, charged=1, reserved=0))
    assert a.shown == ("y",) and a.reserve == () and a.withheld == ("x",)


@given(
    pages=st.lists(st.sampled_from("abcdefgh"), max_size=12),
    seen=st.sets(st.sampled_from("abcdefgh")),
    allowance_=st.integers(0, 10),
    used=st.integers(0, 12),
)
def test_allocate_never_spends_more_than_remains(
    pages: list[str], seen: set[str], allowance_: int, used: int
) -> None:
    b = Balance(allowance=allowance_, charged=used, reserved=0)
    a = allocate(pages, seen, b)
    assert len(a.reserve) <= b.remaining
    assert not set(a.reserve) & seen
    assert set(a.shown) | set(a.withheld) == set(pages) and not set(a.shown) & set(a.withheld)
    assert a.remaining_after == b.remaining - len(a.reserve)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ("[plans.guest]\nlifetime_views = 1\n", "'free' plan is required"),
        ("[plans.guest]\nlifetime_views = 1\n[plans.free]\nlifetime_views = -1\n", "whole number"),
        (
            "[plans.guest]\nlifetime_views = 1\nmonthly_views = 2\n[plans.free]\nlifetime_views = 6\n",
            "exactly one",
        ),
    ],
)
def test_bad_plans_files_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        parse_plans(text)


def test_unknown_plan_names_the_known_ones(tmp_path: Path) -> None:
    f = tmp_path / "plans.toml"
    f.write_text(
        "[plans.guest]\nlifetime_views = 2\n[plans.free]\nlifetime_views = 9\n"
        "[plans.gold]\nmonthly_views = 7\n"
    )
    plans = load_plans(f)
    assert allowance(plans.get("guest")) == 2
    with pytest.raises(PlanError, match="known plans: free, gold, guest"):
        plans.get("platinum")
    with pytest.raises(PlanError, match="cannot read"):
        load_plans(tmp_path / "missing.toml")


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(datetime(2026, 1, 31, 8), 1) == datetime(2026, 2, 28, 8)
    assert add_months(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert add_months(datetime(2026, 11, 15), 3) == datetime(2027, 2, 15)


@pytest.mark.parametrize(
    ("start", "now", "expected"),
    [
        (datetime(2026, 1, 15, 10), datetime(2026, 2, 15, 9), datetime(2026, 1, 15, 10)),  # not yet
        (datetime(2026, 1, 15, 10), datetime(2026, 2, 15, 10), datetime(2026, 2, 15, 10)),  # exactly
        (datetime(2026, 1, 15, 10), datetime(2026, 5, 3), datetime(2026, 4, 15, 10)),  # months missed
        (datetime(2026, 1, 31), datetime(2026, 3, 30), datetime(2026, 2, 28)),
        (datetime(2026, 1, 31), datetime(2026, 3, 31), datetime(2026, 3, 31)),
        (datetime(2026, 5, 1), datetime(2026, 4, 1), datetime(2026, 5, 1)),  # clock behind: unchanged
    ],
)
def test_current_period_start(start: datetime, now: datetime, expected: datetime) -> None:
    assert current_period_start(start, now) == expected
