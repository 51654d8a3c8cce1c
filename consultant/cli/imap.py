"""`consultant imap` commands: poll the configured IMAP mailbox, and show what the poller last saw."""

from __future__ import annotations

import time

import click

from consultant.cli.context import get_app
from consultant.settings import SettingsError


@click.group("imap")
def imap() -> None:
    """The IMAP source (CONSULTANT_IMAP_URL): fetch mail into the spool."""


@imap.command("poll")
@click.option("--once", is_flag=True, help="One pass, then exit (ignores any back-off after errors).")
@click.option(
    "--every", type=float, default=None, help="Seconds between passes [CONSULTANT_IMAP_POLL_SECONDS]."
)
@click.pass_context
def poll(ctx: click.Context, once: bool, every: float | None) -> None:
    """Move new mail from the mailbox into the spool; intake (`consultant ingest`) takes it from there."""
    from consultant.sources.imap import poll_once

    app = get_app(ctx, load_codes=False)
    if not app.settings.imap_url:
        raise click.ClickException("CONSULTANT_IMAP_URL is not set (imap://user:pass@host:port/INBOX)")
    while True:
        result = poll_once(app, force=once)
        click.echo(result.summary())
        if once:
            if result.errors:
                ctx.exit(1)
            return
        time.sleep(every if every is not None else app.settings.imap_poll_seconds)


@imap.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """The mailbox's UIDVALIDITY, last success, last error and how many messages the ledger holds."""
    from consultant.sources import imap_ledger
    from consultant.sources.imap_target import parse_imap_url

    app = get_app(ctx, load_codes=False)
    if not app.settings.imap_url:
        raise click.ClickException("CONSULTANT_IMAP_URL is not set")
    try:
        target = parse_imap_url(app.settings.imap_url)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    state = imap_ledger.mailbox_state(app.sessions, target.ledger_name)
    counts = imap_ledger.counts(app.sessions, target.ledger_name)
    click.echo(f"mailbox: {target.display}")
    if state is None:
        click.echo("never polled")
        return
    click.echo(f"uidvalidity: {state.uidvalidity}")
    if state.uidvalidity_changed_at:
        click.echo(f"uidvalidity changed at: {state.uidvalidity_changed_at:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(f"last success: {state.last_success_at or 'never'}")
    click.echo(f"recorded: {counts.get('', 0)} spooled, {counts.get('oversize', 0)} rejected as oversize")
    if state.last_error:
        click.echo(f"last error ({state.failures} in a row): {state.last_error}")
        click.echo(
            f"next attempt: {state.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC" if state.next_attempt_at else ""
        )


COMMANDS: list[click.Command] = [imap]
