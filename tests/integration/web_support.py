"""Helpers for the web tests: coders, questions through the real intake, a served app, a real Chromium."""

from __future__ import annotations

import email.utils
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from consultant.app import App
from consultant.intake.pipeline import drain_spool
from consultant.web.coders import create_coder
from consultant.web.server import WebServer
from tests.conftest import free_port, skip_or_fail

PASSWORD = "correct horse battery staple"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
]


def add_coder(app: App, address: str, role: str = "coder", name: str = "") -> None:
    with app.sessions() as session:
        create_coder(session, address, PASSWORD, role, app.clock(), name=name)
        session.commit()


def ask(
    app: App,
    subject: str,
    body: str,
    sender: str = "pat@example-clinic.test",
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
) -> int:
    """Deliver a question into the spool, run intake, and return the new draft's id."""
    msg = EmailMessage()
    msg["From"] = f"Pat Biller <{sender}>"
    msg["To"] = app.settings.service_address
    msg["Subject"] = subject
    msg["Message-ID"] = email.utils.make_msgid(domain="example-clinic.test")
    msg["Date"] = email.utils.formatdate()
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    app.spool.deliver(msg.as_bytes())
    [outcome] = drain_spool(app)
    assert outcome.state == "drafted", outcome
    assert outcome.draft_id is not None
    return outcome.draft_id


@contextmanager
def served(app: App) -> Iterator[WebServer]:
    server = WebServer(app, "127.0.0.1", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def chromium_path() -> str:
    return os.environ.get("CONSULTANT_CHROMIUM", "/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (never a downloaded browser build)."""
    path = chromium_path()
    if not (Path(path).exists() or shutil.which(path)):
        skip_or_fail(f"Chromium not found at {path} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - a dev dependency
        skip_or_fail("playwright is not installed")
        raise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, base: str, address: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", address)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(f"{base}/queue")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


def seed_draft(
    app: App,
    *,
    subject: str = "A question",
    sender: str = "pat@example-clinic.test",
    plan: str = "guest",
    state: str = "pending",
    has_codes: bool = False,
    age: float = 0.0,  # hours since the question arrived
    claimed_by: str | None = None,
) -> int:
    """A draft written straight into the database (no intake), for tests about listing and filtering."""
    import secrets
    from datetime import timedelta

    from sqlalchemy import select

    from consultant.models import (
        Account,
        AccountAddress,
        Coder,
        Consultation,
        Draft,
        InboundMessage,
        Question,
    )

    now = app.clock()
    at = now - timedelta(hours=age)
    with app.sessions() as session:
        address = session.scalars(select(AccountAddress).where(AccountAddress.address == sender)).first()
        if address is None:
            account = Account(plan=plan, created_at=at, period_start=at)
            account.addresses.append(AccountAddress(address=sender, primary=True))
            session.add(account)
            session.flush()
        else:
            account = address.account
        raw = f"From: {sender}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode()
        inbound = InboundMessage(
            source="test",
            source_uid=secrets.token_hex(8),
            sha256=secrets.token_hex(32),
            raw=raw,
            state="drafted",
            from_address=sender,
            subject=subject,
            received_at=at,
        )
        session.add(inbound)
        session.flush()
        consultation = Consultation(
            token=f"CC-{secrets.token_hex(3).upper()}", account_id=account.id, subject=subject, created_at=at
        )
        session.add(consultation)
        session.flush()
        question = Question(
            consultation_id=consultation.id,
            inbound_message_id=inbound.id,
            from_address=sender,
            subject=subject,
            text="Which code?",
            received_at=at,
        )
        session.add(question)
        session.flush()
        claimer = (
            session.scalars(select(Coder).where(Coder.email == claimed_by)).one() if claimed_by else None
        )
        draft = Draft(
            consultation_id=consultation.id,
            question_id=question.id,
            account_id=account.id,
            state=state,
            has_codes=has_codes,
            created_at=at,
            updated_at=at,
            claimed_by=claimer.id if claimer else None,
            claimed_at=now if claimer else None,
            decided_at=now if state != "pending" else None,
        )
        session.add(draft)
        session.commit()
        return draft.id
