"""`consultant accounts …` against a real database: the JSON tells the truth after every ledger step."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result

from consultant.accounts.registration import read_token
from consultant.app import App
from consultant.cli.main import cli
from consultant.models import Account
from consultant.quota.ledger import charge, release, reserve
from tests.integration.quota_support import NOW, make_drafts

pytestmark = pytest.mark.integration


def run(app: App, *args: str) -> Result:
    env = {"CONSULTANT_HOME": str(app.settings.home), "CONSULTANT_DATABASE_URL": app.settings.database_url}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def show(app: App, ident: str) -> dict[str, Any]:
    result = run(app, "accounts", "show", ident, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_show_tells_the_truth_after_reserve_charge_release(app: App) -> None:
    assert run(app, "accounts", "add", "Ann@Example.org", "--plan", "free", "--name", "Ann").exit_code == 0
    s = show(app, "ann@example.org")
    assert (s["plan"], s["views_used"], s["views_remaining"], s["reserved"], s["charged"]) == (
        "free",
        0,
        6,
        0,
        0,
    )
    with app.sessions.begin() as session:
        d1, d2 = make_drafts(session, s["id"], 2)
        reserve(session, s["id"], d1, ["cpt:99213", "cpt:99214"], app.plans, NOW)
        reserve(session, s["id"], d2, ["icd10cm:E11.9"], app.plans, NOW)
    s = show(app, "ann@example.org")
    assert (s["views_used"], s["views_remaining"], s["reserved"], s["charged"]) == (3, 3, 3, 0)
    with app.sessions.begin() as session:
        charge(session, d1, NOW)
    s = show(app, "ann@example.org")
    assert (s["views_used"], s["views_remaining"], s["reserved"], s["charged"]) == (3, 3, 1, 2)
    with app.sessions.begin() as session:
        release(session, d2, NOW)
    s = show(app, "ann@example.org")
    assert (s["views_used"], s["views_remaining"], s["reserved"], s["charged"]) == (2, 4, 0, 2)
    assert s["period_start"] is None  # a lifetime plan


def test_unknown_plan_is_a_usage_error_listing_known_plans(app: App) -> None:
    result = run(app, "accounts", "add", "bo@example.org", "--plan", "gold")
    assert result.exit_code == 2
    assert "unknown plan 'gold'" in result.output and "free, guest, practice, pro" in result.output
    run(app, "accounts", "add", "bo@example.org")
    result = run(app, "accounts", "plan", "bo@example.org", "platinum")
    assert result.exit_code == 2 and "known plans" in result.output
    result = run(app, "accounts", "show", "nobody@example.org")
    assert result.exit_code == 1 and "no account for 'nobody@example.org'" in result.output


def test_organisation_alias_plan_suspend_list(app: App) -> None:
    assert run(app, "accounts", "add", "--domain", "clinic.example", "--plan", "practice").exit_code == 0
    org = show(app, "someone@clinic.example")
    assert org["plan"] == "practice" and org["domain"] == "clinic.example"
    assert org["views_remaining"] == 500 and org["period_start"] is not None
    assert run(app, "accounts", "add", "cy@home.example").exit_code == 0
    assert run(app, "accounts", "alias", "cy@home.example", "CY@work.example").exit_code == 0
    assert show(app, "cy@work.example")["addresses"] == ["cy@home.example", "cy@work.example"]
    taken = run(app, "accounts", "alias", "@clinic.example", "cy@work.example")
    assert taken.exit_code == 1 and "--move" in taken.output
    assert run(app, "accounts", "alias", "@clinic.example", "cy@work.example", "--move").exit_code == 0
    assert show(app, "cy@work.example")["id"] == org["id"]
    assert run(app, "accounts", "plan", "cy@home.example", "pro").exit_code == 0
    assert show(app, "cy@home.example")["views_remaining"] == 100
    assert run(app, "accounts", "suspend", "cy@home.example").exit_code == 0
    s = show(app, "cy@home.example")
    assert (s["status"], s["views_remaining"]) == ("suspended", 0)
    listing = json.loads(run(app, "accounts", "list", "--json").output)
    assert [a["plan"] for a in listing] == ["practice", "pro"]
    assert "suspended" in run(app, "accounts", "list").output
    assert run(app, "accounts", "suspend", "cy@home.example", "--lift").exit_code == 0
    with app.sessions() as session:
        assert session.get_one(Account, s["id"]).status == "active"


def test_register_link_carries_the_address(app: App) -> None:
    result = run(app, "accounts", "register-link", "Dee@Example.org")
    assert result.exit_code == 0
    url = result.output.strip()
    assert url.startswith(app.settings.public_url + "/register/")
    assert read_token(app.settings.secret_key, url.rsplit("/", 1)[1]) == "dee@example.org"
