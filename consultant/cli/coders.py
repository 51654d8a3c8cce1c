"""`consultant coders` commands: create coders and list them."""

from __future__ import annotations

import sys

import click

from consultant.cli.context import get_app
from consultant.web.coders import ROLES, CoderError, create_coder
from consultant.web.passwords import WeakPassword


@click.group("coders")
def coders() -> None:
    """Manage the coders who review drafts."""


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


@coders.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="coder", show_default=True)
@click.option("--name", default="", help="Display name shown in the queue.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (first line).")
@click.pass_context
def add(ctx: click.Context, email: str, role: str, name: str, password_stdin: bool) -> None:
    """Create a coder who can sign in to the review queue."""
    if password_stdin and not _stdin_is_terminal():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        # README's first step is `--password-stdin` typed at a terminal: reading the line raw would echo the
        # password and wait without a prompt, and a typo would lock the newcomer out. Ask, hidden, twice.
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app = get_app(ctx, load_codes=False)
    with app.sessions() as session:
        try:
            coder = create_coder(session, email, password, role, app.clock(), name=name)
        except (CoderError, WeakPassword) as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        click.echo(f"created {coder.role} {coder.email} (id {coder.id})")


@coders.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """List coders with their role and whether they may sign in."""
    from sqlalchemy import select

    from consultant.models import Coder

    app = get_app(ctx, load_codes=False)
    with app.sessions() as session:
        rows = session.scalars(select(Coder).order_by(Coder.email)).all()
        if not rows:
            click.echo("no coders yet: add one with `consultant coders add EMAIL --role admin`")
        for coder in rows:
            state = "active" if coder.active else "disabled"
            click.echo(f"{coder.id:>4}  {coder.email:<40} {coder.role:<6} {state}")


COMMANDS: list[click.Command] = [coders]
