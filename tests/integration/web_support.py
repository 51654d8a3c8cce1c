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
