"""Running the service: `up` (everything in one process), `worker`, `smtpd`, and one-pass commands."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sys
import threading
from dataclasses import asdict
from typing import Any

import click

from consultant.cli.context import get_app
from consultant.logs import configure_logging
from consultant.settings import Settings

DEFAULT_SMTP_LISTEN = ("127.0.0.1", 2525)


def command_name() -> str:
    """How to type `consultant` in a second terminal: the bare name if the shell finds this very program,
    else the path it was started by (`make run` starts `.venv/bin/consultant`, not on a fresh PATH)."""
    started = sys.argv[0] if sys.argv and sys.argv[0] else "consultant"
    found = shutil.which("consultant")
    if found and os.path.realpath(found) == os.path.realpath(started):
        return "consultant"
    return started if os.path.basename(started) == "consultant" else "consultant"


def hide_password(url: str) -> str:
    """A database or relay URL fit to print on a console: the password replaced by ***."""
    return re.sub(r"(//[^/:@]*:)[^/@]*@", r"\1***@", url)


def banner(s: Settings, web: bool, cmd: str) -> str:
    """What `consultant up` prints once everything listens: what to type next, with these settings."""
    smtp = f"{s.smtp_listen[0]}:{s.smtp_listen[1]}"
    # `demo` reads CONSULTANT_SMTP_LISTEN, which a second terminal does not have: name the port.
    demo = f"{cmd} demo" + ("" if s.smtp_listen == DEFAULT_SMTP_LISTEN else f" --smtp {smtp}")
    queue = f"http://{s.web_listen[0]}:{s.web_listen[1]}/" if web else f"{cmd} queue list"
    return f"""
CaseConsultant is running.
  Send questions by SMTP to   {s.service_address} via {smtp}
      e.g.  {demo:<24} (sends sample questions through the receiver)
  Database                    {hide_password(s.database_url)}
  Replies go to               {hide_password(s.relay_url) if s.relay_url else str(s.sent_dir / "new")}
  Review queue                {queue}
      sign-in accounts:       {cmd} coders add EMAIL --role coder --password-stdin
  Press Ctrl-C to stop.
"""


def _wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def _start_web(app: Any) -> Any:
    """Start the review queue in a thread, if the web part is installed."""
    try:
        from consultant.web.server import WebServer
    except ImportError:
        return None
    host, port = app.settings.web_listen
    server = WebServer(app, host, port)
    try:
        server.start()
    except RuntimeError as exc:
        raise click.ClickException(
            f"cannot serve the review queue on {host}:{port} (is the port in use?); "
            "set CONSULTANT_WEB_LISTEN=HOST:PORT or pass --no-web"
        ) from exc
    return server


@click.command()
@click.option("--no-web", is_flag=True, help="Do not start the review queue web app.")
@click.pass_context
def up(ctx: click.Context, no_web: bool) -> None:
    """Run everything in one process: SMTP receiver, worker (intake, outbox, housekeeping) and web."""
    from consultant.sources.smtp import SmtpReceiver
    from consultant.worker import Worker

    configure_logging()
    app = get_app(ctx)
    worker = Worker(app)
    host, port = app.settings.smtp_listen
    receiver = SmtpReceiver(
        app.spool, host, port, app.settings.max_message_bytes, on_delivered=worker.wake_drain
    )
    try:
        receiver.start()
    except Exception as exc:
        raise click.ClickException(
            f"cannot listen for SMTP on {host}:{port} ({exc}); set CONSULTANT_SMTP_LISTEN=HOST:PORT"
        ) from exc
    try:
        web = None if no_web else _start_web(app)
    except click.ClickException:
        receiver.stop()
        raise
    worker.start()
    click.echo(banner(app.settings, web is not None, command_name()))
    try:
        _wait_for_signal()
    finally:
        if web is not None:
            web.stop()
        receiver.stop()
        worker.stop()


@click.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the worker only: drain the spool, flush the outbox, housekeeping (Procfile: worker)."""
    from consultant.worker import Worker

    configure_logging()
    w = Worker(get_app(ctx))
    w.start()
    click.echo("worker running; Ctrl-C to stop")
    try:
        _wait_for_signal()
    finally:
        w.stop()


@click.command()
@click.pass_context
def smtpd(ctx: click.Context) -> None:
    """Run the SMTP receiver only, writing into the spool (Procfile: smtpd)."""
    from consultant.sources.smtp import SmtpReceiver

    configure_logging()
    app = get_app(ctx, load_codes=False)
    host, port = app.settings.smtp_listen
    receiver = SmtpReceiver(app.spool, host, port, app.settings.max_message_bytes)
    receiver.start()
    click.echo(f"SMTP receiver on {host}:{port}; Ctrl-C to stop")
    try:
        _wait_for_signal()
    finally:
        receiver.stop()


@click.command()
@click.option("--once", is_flag=True, required=True, help="Process what is waiting, then exit.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per message.")
@click.pass_context
def ingest(ctx: click.Context, once: bool, as_json: bool) -> None:
    """Run intake over the spool and the drop folder once."""
    from consultant.intake.pipeline import drain_spool

    app = get_app(ctx)
    outcomes = drain_spool(app, drop_settle_seconds=0.0)
    for o in outcomes:
        click.echo(json.dumps(asdict(o)) if as_json else f"#{o.inbound_id} {o.state}: {o.reason}")
    if not as_json:
        click.echo(f"{len(outcomes)} message(s) processed" if outcomes else "nothing waiting in the spool")


@click.command()
@click.option("--once", is_flag=True, required=True, help="Send what is due, then exit.")
@click.pass_context
def send(ctx: click.Context, once: bool) -> None:
    """Flush the outbox once."""
    from consultant.outbound.flush import flush_outbox

    result = flush_outbox(get_app(ctx, load_codes=False))
    click.echo(f"sent {result.sent}, retrying {result.retrying}, undeliverable {result.dead}")


@click.command()
@click.option(
    "--smtp", "smtp_addr", default=None, help="HOST:PORT of the receiver (default CONSULTANT_SMTP_LISTEN)."
)
@click.pass_context
def demo(ctx: click.Context, smtp_addr: str | None) -> None:
    """Send a few sample questions through the SMTP receiver so drafts appear at once."""
    from consultant.demo import send_demo_questions

    app = get_app(ctx, load_codes=False)
    host, port = app.settings.smtp_listen
    if smtp_addr:
        host, _, p = smtp_addr.rpartition(":")
        port = int(p)
    try:
        sent = send_demo_questions(host, port, app.settings.service_address)
    except OSError as exc:
        raise click.ClickException(
            f"no SMTP receiver at {host}:{port} ({exc}). Start it first with `make run` (or `consultant up`)."
        ) from exc
    for subject in sent:
        click.echo(f"sent: {subject}")
    click.echo(f"Drafts appear in the review queue within a second or two: {command_name()} queue list")


COMMANDS: list[click.Command] = [up, worker, smtpd, ingest, send, demo]
