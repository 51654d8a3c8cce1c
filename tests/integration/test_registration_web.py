"""The registration page in the real web app: confirm, upgrade, and refuse forged or expired links."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from consultant.accounts.registration import make_token
from consultant.accounts.resolve import account_for_sender
from consultant.app import App
from consultant.models import Account, AuditEvent
from consultant.web.server import WebServer
from tests.conftest import free_port
from tests.integration.quota_support import NOW

pytestmark = pytest.mark.integration


@pytest.fixture
def client(app: App) -> Iterator[httpx.Client]:
    """The real app on a loopback port; the client keeps the session cookie like a browser."""
    server = WebServer(app, "127.0.0.1", free_port())
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as c:
            yield c
    finally:
        server.stop()


def guest(app: App, address: str) -> int:
    with app.sessions.begin() as s:
        return account_for_sender(s, address, NOW).id


def plan_of(app: App, account_id: int) -> tuple[str, bool]:
    with app.sessions() as s:
        a = s.get_one(Account, account_id)
        return a.plan, a.verified


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the confirm form carries a CSRF token"
    return found.group(1)


def test_following_the_link_and_confirming_upgrades_the_guest(app: App, client: httpx.Client) -> None:
    ann = guest(app, "ann@example.org")
    bo = guest(app, "bo@example.org")
    token = make_token(app.settings.secret_key, "ann@example.org")
    page = client.get(f"/register/{token}")
    assert page.status_code == 200 and "Register ann@example.org" in page.text
    assert plan_of(app, ann) == ("guest", False)  # looking at the page changes nothing
    refused = client.post(f"/register/{token}", data={})
    assert refused.status_code == 403 and plan_of(app, ann) == ("guest", False)
    done = client.post(f"/register/{token}", data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "You are registered" in done.text
    assert re.search(r'id="views-remaining">6<', done.text)
    assert plan_of(app, ann) == ("free", True)
    assert plan_of(app, bo) == ("guest", False)  # the link works only for its own address
    with app.sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.subject_id == ann)).all()
    assert [(e.action, e.subject_type) for e in events] == [("register", "account")]
    again = client.post(f"/register/{token}", data={"csrf_token": csrf_from(page.text)})
    assert again.status_code == 200 and "Already registered" in again.text
    assert "already has an account" in client.get(f"/register/{token}").text


def test_a_forged_link_is_refused(app: App, client: httpx.Client) -> None:
    ann = guest(app, "ann@example.org")
    forged = make_token("not-our-secret", "ann@example.org")
    page = client.get(f"/register/{forged}")
    assert page.status_code == 400 and "not valid" in page.text and "<form" not in page.text
    csrf = csrf_from(client.get(f"/register/{make_token(app.settings.secret_key, 'x@example.org')}").text)
    posted = client.post(f"/register/{forged}", data={"csrf_token": csrf})
    assert posted.status_code == 400
    assert plan_of(app, ann) == ("guest", False)


def test_an_expired_link_is_refused(app: App, client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    ann = guest(app, "ann@example.org")
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 30 * 86400)
    old = make_token(app.settings.secret_key, "ann@example.org")
    monkeypatch.setattr(time, "time", lambda: real)
    page = client.get(f"/register/{old}")
    assert page.status_code == 410 and "expired" in page.text
    csrf = csrf_from(client.get(f"/register/{make_token(app.settings.secret_key, 'x@example.org')}").text)
    assert client.post(f"/register/{old}", data={"csrf_token": csrf}).status_code == 410
    assert plan_of(app, ann) == ("guest", False)


def test_plans_page_lists_the_configured_plans(client: httpx.Client) -> None:
    page = client.get("/plans")
    assert page.status_code == 200
    assert "Professional" in page.text and "100 a month" in page.text and "1 in all" in page.text
