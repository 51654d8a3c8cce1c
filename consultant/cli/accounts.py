"""`consultant accounts`: add, list, alias, plan, suspend, show, register-link."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.accounts import admin
from consultant.accounts.addresses import AddressError
from consultant.accounts.registration import registration_url
from consultant.app import App
from consultant.cli.context import get_app
from consultant.models import Account
from consultant.quota.plans import PlanError
from consultant.quota.report import quota_report


@contextmanager
def _errors() -> Iterator[None]:
    """Operator mistakes become one clear line: an unknown plan is a usage error (exit 2)."""
    try:
        yield
    except PlanError as exc:
        raise click.UsageError(str(exc)) from exc
    except (admin.AccountError, AddressError) as exc:
        raise click.ClickException(str(exc)) from exc


def _app(ctx: click.Context) -> App:
    return get_app(ctx, load_codes=False)


def account_json(session: Session, app: App, account: Account) -> dict[str, Any]:
    report = quota_report(session, account, app.plans).as_json()
    return {
        "id": account.id,
        "name": account.name,
        "addresses": sorted(a.address for a in account.addresses),
        "primary_address": next((a.address for a in account.addresses if a.primary), None),
        "domain": account.domain,
        "verified": account.verified,
        "created_at": account.created_at.isoformat(timespec="seconds"),
        **report,
    }


@click.group()
def accounts() -> None:
    """Manage accounts, their addresses, plans and quota."""


@accounts.command("add")
@click.argument("address", required=False)
@click.option("--plan", default="free", show_default=True, help="A plan name from the plans file.")
@click.option("--name", default="", help="A display name (person or organisation).")
@click.option("--domain", default=None, help="An organisation account owns every address at this domain.")
@click.pass_context
def add(ctx: click.Context, address: str | None, plan: str, name: str, domain: str | None) -> None:
    """Create an account for ADDRESS and/or an organisation --domain."""
    app = _app(ctx)
    with _errors(), app.sessions.begin() as s:
        account = admin.add_account(
            s, app.plans, app.clock(), address=address, plan=plan, name=name, domain=domain
        )
        click.echo(f"account #{account.id} ({plan}) created for {address or '@' + str(account.domain)}")


@accounts.command("list")
@click.option("--plan", default=None, help="Only accounts on this plan.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, one object per account.")
@click.option("--limit", default=200, show_default=True)
@click.pass_context
def list_(ctx: click.Context, plan: str | None, as_json: bool, limit: int) -> None:
    """List accounts with their plan, status and views remaining."""
    app = _app(ctx)
    with _errors(), app.sessions() as s:
        if plan is not None:
            app.plans.get(plan)
        stmt = select(Account).order_by(Account.id).limit(limit)
        if plan is not None:
            stmt = stmt.where(Account.plan == plan)
        rows = [account_json(s, app, a) for a in s.scalars(stmt)]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        who = r["primary_address"] or (f"@{r['domain']}" if r["domain"] else "-")
        extra = f" +{len(r['addresses']) - 1}" if len(r["addresses"]) > 1 else ""
        click.echo(
            f"#{r['id']:<5} {r['plan']:<10} {r['status']:<9} {'verified' if r['verified'] else '-':<8} "
            f"{r['views_remaining']:>4} left  {who}{extra}"
        )


@accounts.command("alias")
@click.argument("account")
@click.argument("new_address")
@click.option("--move", is_flag=True, help="Move NEW_ADDRESS here even if another account has it.")
@click.pass_context
def alias(ctx: click.Context, account: str, new_address: str, move: bool) -> None:
    """Add NEW_ADDRESS to the account of ACCOUNT (an address, @domain or #id)."""
    app = _app(ctx)
    with _errors(), app.sessions.begin() as s:
        found = admin.add_alias(s, account, new_address, app.clock(), move=move)
        click.echo(f"account #{found.id}: {', '.join(sorted(a.address for a in found.addresses))}")


@accounts.command("plan")
@click.argument("account")
@click.argument("plan")
@click.pass_context
def plan_(ctx: click.Context, account: str, plan: str) -> None:
    """Move ACCOUNT (an address, @domain or #id) to PLAN."""
    app = _app(ctx)
    with _errors(), app.sessions.begin() as s:
        found = admin.set_plan(s, account, plan, app.plans, app.clock())
        click.echo(f"account #{found.id} is now on {found.plan}")


@accounts.command("suspend")
@click.argument("account")
@click.option("--lift", is_flag=True, help="Make a suspended account active again.")
@click.pass_context
def suspend(ctx: click.Context, account: str, lift: bool) -> None:
    """Suspend ACCOUNT: its mail is ignored and it spends no views. --lift undoes it."""
    app = _app(ctx)
    with _errors(), app.sessions.begin() as s:
        found = admin.set_status(s, account, "active" if lift else "suspended", app.clock())
        click.echo(f"account #{found.id} is {found.status}")


@accounts.command("show")
@click.argument("account")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def show(ctx: click.Context, account: str, as_json: bool) -> None:
    """Plan, views used, views remaining, reserved and charged views of ACCOUNT."""
    app = _app(ctx)
    with _errors(), app.sessions() as s:
        data = account_json(s, app, admin.lookup(s, account))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        click.echo(f"{key:>26}: {_plain(value)}")


def _plain(value: object) -> str:
    """A JSON value as a person reads it: no Python None/True/False on the screen."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


@accounts.command("register-link")
@click.argument("address")
@click.pass_context
def register_link(ctx: click.Context, address: str) -> None:
    """Print a registration link for ADDRESS (upgrades its guest account to free when followed)."""
    app = _app(ctx)
    with _errors():
        click.echo(registration_url(app.settings.public_url, app.settings.secret_key, address))


COMMANDS: list[click.Command] = [accounts]
