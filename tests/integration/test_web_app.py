"""The web app over HTTP (in-process client): sign-in, sessions, CSRF, the queue's filters, admin actions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest
from sqlalchemy import select

from consultant.app import App
from consultant.models import AuditEvent, OutboundMessage
from tests.integration.web_support import PASSWORD, add_coder, ask, seed_draft, served

pytestmark = pytest.mark.integration


def csrf_of(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def base(app: App) -> Iterator[str]:
    """The app served on a free loopback port; the URL to reach it."""
    with served(app) as server:
        yield server.url


def client_for(base: str) -> httpx.Client:
    return httpx.Client(base_url=base, follow_redirects=True, timeout=30)


def signed_in(base: str, address: str) -> httpx.Client:
    client = client_for(base)
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"email": address, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    return client


@pytest.fixture
def coder(app: App, base: str) -> Iterator[httpx.Client]:
    add_coder(app, "casey@caseconsultant.localhost", name="Casey")
    client = signed_in(base, "casey@caseconsultant.localhost")
    yield client
    client.close()


def test_health_answers_without_sign_in_and_pages_redirect(base: str) -> None:
    client = client_for(base)
    assert client.get("/healthz").text == "ok"
    r = client.get("/queue?state=sent", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fqueue%3Fstate%3Dsent"
    assert client.get("/api/me").status_code == 401
    assert client.get("/drafts/1/raw", follow_redirects=False).status_code == 303


def test_sign_in_checks_password_csrf_and_sets_a_safe_cookie(app: App, base: str) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    client = client_for(base)
    token = csrf_of(client.get("/login").text)
    wrong = client.post(
        "/login",
        data={"email": "casey@caseconsultant.localhost", "password": "nope" * 4, "csrf_token": token},
    )
    assert wrong.status_code == 401
    assert "do not match" in wrong.text
    no_token = client.post(
        "/login",
        data={"email": "casey@caseconsultant.localhost", "password": PASSWORD},
        follow_redirects=False,
    )
    assert no_token.status_code == 403
    ok = client.post(
        "/login",
        data={
            "email": "Casey@CaseConsultant.localhost",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/queue"  # never off-site
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    assert client.get("/queue").status_code == 200
    # Sign-in rotates the CSRF token, so one planted before sign-in is worthless.
    assert csrf_of(client.get("/queue").text) != token


def test_cookie_is_secure_when_the_public_url_is_https(app: App) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    app.settings = replace(app.settings, public_url="https://review.example.org")
    with served(app) as server:
        client = client_for(server.url)
        token = csrf_of(client.get("/login").text)
        ok = client.post(
            "/login",
            data={"email": "casey@caseconsultant.localhost", "password": PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
    assert "secure" in ok.headers["set-cookie"].lower()


def test_a_disabled_coder_is_signed_out(app: App, coder: httpx.Client) -> None:
    from consultant.models import Coder

    with app.sessions() as session:
        session.scalars(select(Coder)).one().active = False
        session.commit()
    assert coder.get("/queue", follow_redirects=False).status_code == 303


def test_queue_filters_sort_paginate_and_count(app: App, coder: httpx.Client) -> None:
    add_coder(app, "other@caseconsultant.localhost")
    old = seed_draft(app, subject="Old guest question", age=30, has_codes=True)
    new = seed_draft(app, subject="New pro question", sender="pro@practice.test", plan="pro", age=1)
    soon = seed_draft(app, subject="Due soon", age=20, has_codes=True)
    mine = seed_draft(app, subject="Mine", age=2, claimed_by="casey@caseconsultant.localhost")
    theirs = seed_draft(app, subject="Theirs", age=3, claimed_by="other@caseconsultant.localhost")
    seed_draft(app, subject="Already sent", state="sent", age=50)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in coder.get(f"/api/drafts?{query}").json()["items"]]

    assert ids("") == [old, soon, theirs, mine, new]  # oldest first
    assert ids("sort=newest") == [new, mine, theirs, soon, old]
    assert ids("age=overdue") == [old]
    assert ids("age=due_soon") == [soon]
    assert set(ids("age=in_time")) == {soon, new, mine, theirs}
    assert ids("plan=pro") == [new]
    assert ids("mine=true") == [mine]
    assert ids("codes=yes") == [old, soon]
    assert ids("codes=no") == [theirs, mine, new]
    assert len(ids("state=all")) == 6
    assert ids("per_page=2&page=2") == [theirs, mine]
    body = coder.get("/api/drafts").json()
    assert body["counts"]["pending"] == 5 and body["counts"]["sent"] == 1 and body["total"] == 5

    page = coder.get("/queue?age=overdue").text
    assert "Old guest question" in page and "New pro question" not in page
    assert "claimed by other@caseconsultant.localhost" in coder.get("/queue").text
    assert "claimed by you" in coder.get("/queue").text
    empty = coder.get("/queue?plan=practice").text
    assert "Nothing matches" in empty


def test_the_empty_queue_says_so(coder: httpx.Client) -> None:
    assert "All caught up" in coder.get("/queue").text


def test_raw_message_is_plain_text_for_signed_in_coders(app: App, coder: httpx.Client) -> None:
    draft_id = ask(app, "Raw please", "<b>not html</b> E11.9?\n")
    r = coder.get(f"/drafts/{draft_id}/raw")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert b"Subject: Raw please" in r.content


def test_version_conflict_keeps_the_coders_text(app: App, coder: httpx.Client) -> None:
    draft_id = ask(app, "Version", "E11.9 question\n")
    token = csrf_of(coder.get(f"/drafts/{draft_id}").text)
    assert coder.post(f"/drafts/{draft_id}/claim", data={"csrf_token": token}).status_code == 200
    ok = coder.post(f"/drafts/{draft_id}/save", data={"csrf_token": token, "answer_md": "v1", "version": "2"})
    assert ok.status_code == 200
    stale = coder.post(
        f"/drafts/{draft_id}/save", data={"csrf_token": token, "answer_md": "stale text", "version": "2"}
    )
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.text
    assert ">stale text</textarea>" in stale.text


def test_notes_reject_and_request_info_are_audited(app: App, coder: httpx.Client) -> None:
    a = ask(app, "Reject me", "not a coding question, E11.9\n")
    b = ask(app, "Need more", "which code for 99213?\n", sender="lee@ortho.test")
    token = csrf_of(coder.get(f"/drafts/{a}").text)
    coder.post(f"/drafts/{a}/notes", data={"csrf_token": token, "text": "Looks like spam"})
    assert "Looks like spam" in coder.get(f"/drafts/{a}").text
    coder.post(f"/drafts/{a}/claim", data={"csrf_token": token})
    r = coder.post(f"/drafts/{a}/reject", data={"csrf_token": token, "reason": "spam", "version": "2"})
    assert r.status_code == 200 and "Rejected draft" in r.text
    closed = coder.get(f"/drafts/{a}").text
    assert "can no longer be changed" in closed and "Reason: spam" in closed
    assert "data-editor" not in closed
    coder.post(f"/drafts/{b}/claim", data={"csrf_token": token})
    r = coder.post(
        f"/drafts/{b}/request-info", data={"csrf_token": token, "message_md": "Which payer?", "version": "2"}
    )
    assert "Asked the sender" in r.text
    with app.sessions() as session:
        actions = [
            e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "draft"))
        ]
        assert {"note", "claim", "reject", "request_info"} <= set(actions)
        kinds = [m.kind for m in session.scalars(select(OutboundMessage))]
        assert kinds.count("info_request") == 1 and set(kinds) <= {"info_request", "notice"}


def test_dashboard_draws_charts(app: App, coder: httpx.Client) -> None:
    seed_draft(app, age=30)
    seed_draft(app, state="sent", age=10)
    page = coder.get("/dashboard").text
    assert page.count('<svg class="chart"') == 2
    assert "<polyline" in page


def test_admin_retries_undeliverable_and_reingests_quarantine(app: App, base: str) -> None:
    add_coder(app, "root@caseconsultant.localhost", role="admin")
    client = signed_in(base, "root@caseconsultant.localhost")
    # Too big for a strict limit: intake quarantines it, with its bytes.
    limit = app.settings.max_message_bytes
    app.settings = replace(app.settings, max_message_bytes=200)
    ask_raw = (
        b"From: pat@example-clinic.test\r\nSubject: Big\r\nMessage-ID: <big@x.test>\r\n\r\n" + b"E11.9 " * 100
    )
    app.spool.deliver(ask_raw)
    from consultant.intake.pipeline import drain_spool

    [outcome] = drain_spool(app)
    assert outcome.state == "quarantined"
    app.settings = replace(app.settings, max_message_bytes=limit)
    with app.sessions() as session:
        dead = OutboundMessage(
            to_address="x@y.test",
            message_id="<m@x>",
            raw=b"Subject: x\r\n\r\nx",
            state="dead",
            attempts=5,
            last_error="550 no such user",
        )
        session.add(dead)
        session.commit()
    page = client.get("/admin/undeliverable").text
    assert "550 no such user" in page
    token = csrf_of(page)
    client.post(f"/admin/outbound/{dead.id}/retry", data={"csrf_token": token})
    with app.sessions() as session:
        assert session.get_one(OutboundMessage, dead.id).state == "queued"
    assert "No undeliverable replies" in client.get("/admin/undeliverable").text
    page = client.get("/admin/quarantine").text
    assert "oversize" in page
    raw = client.get(f"/admin/inbound/{outcome.inbound_id}/raw")
    assert raw.headers["content-type"].startswith("text/plain") and b"Subject: Big" in raw.content
    client.post(f"/admin/inbound/{outcome.inbound_id}/reingest", data={"csrf_token": token})
    assert "Nothing in quarantine" in client.get("/admin/quarantine").text
    [again] = drain_spool(app)  # with the limit raised, the same bytes now become a draft
    assert again.state == "drafted", again
    for path in ("/admin/accounts", "/admin/coders", "/admin/codesets", "/admin/quarantine"):
        assert client.get(path).status_code == 200, path


def test_admin_changes_a_plan_and_adds_a_coder(app: App, base: str) -> None:
    add_coder(app, "root@caseconsultant.localhost", role="admin")
    client = signed_in(base, "root@caseconsultant.localhost")
    seed_draft(app, sender="pat@example-clinic.test")
    page = client.get("/admin/accounts?q=pat@").text
    assert "pat@example-clinic.test" in page
    token = csrf_of(page)
    account_id = int(re.search(r'action="/admin/accounts/(\d+)"', page).group(1))  # type: ignore[union-attr]
    changed = client.post(f"/admin/accounts/{account_id}", data={"csrf_token": token, "plan": "pro"})
    assert "on the pro plan" in changed.text
    weak = client.post(
        "/admin/coders", data={"csrf_token": token, "email": "new@x.test", "password": "short"}
    )
    assert weak.status_code == 400 and "at least" in weak.text
    client.post(
        "/admin/coders",
        data={"csrf_token": token, "email": "new@x.test", "password": PASSWORD, "role": "coder"},
    )
    signed_in(base, "new@x.test")


def test_repeated_wrong_passwords_are_throttled(app: App, base: str) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    client = client_for(base)
    token = csrf_of(client.get("/login").text)
    form = {"email": "casey@caseconsultant.localhost", "password": "wrong password", "csrf_token": token}
    assert [client.post("/login", data=form).status_code for _ in range(5)] == [401] * 5
    blocked = client.post("/login", data={**form, "password": PASSWORD})
    assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
    api = httpx.post(
        f"{base}/api/token", json={"email": "casey@caseconsultant.localhost", "password": PASSWORD}
    )
    assert api.status_code == 429


def test_draft_page_lists_attachments_and_the_thread(app: App, coder: httpx.Client) -> None:
    draft_id = ask(
        app,
        "Op note attached",
        "See the attached op note: 29881 with 29877?\n",
        attachments=(("op-note.pdf", "application/pdf", b"%PDF-1.4 synthetic"),),
    )
    page = coder.get(f"/drafts/{draft_id}").text
    assert "op-note.pdf" in page and "application/pdf" in page
    assert "View raw message" in page


def test_daily_stats_count_waiting_drafts_and_turnaround(app: App) -> None:
    from datetime import timedelta

    from consultant.models import Draft
    from consultant.web.stats import daily_stats

    now = app.clock()
    waiting = seed_draft(app, age=50)  # open for three days now
    fast = seed_draft(app, state="sent", age=30)  # both decided 28 hours ago: the same day, at any hour
    slow = seed_draft(app, state="sent", age=38)
    with app.sessions() as session:
        for draft_id, hours in ((fast, 2), (slow, 10)):
            d = session.get_one(Draft, draft_id)
            d.decided_at = d.created_at + timedelta(hours=hours)
        session.commit()
        days = daily_stats(session, now, 5)
        decided_day = (session.get_one(Draft, slow).decided_at).date()  # type: ignore[union-attr]
    assert waiting
    assert days[-1].day == now.date() and days[-1].depth == 1  # only the open one at the end of today
    [that_day] = [d for d in days if d.day == decided_day]
    assert that_day.answered == 2
    assert that_day.median_hours == 2.0 and that_day.p90_hours == 10.0
    assert days[0].depth == 0  # five days ago nothing had arrived yet


def test_changing_the_password_signs_out_other_sessions(app: App, base: str) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    here = signed_in(base, "casey@caseconsultant.localhost")
    elsewhere = signed_in(base, "casey@caseconsultant.localhost")
    token = csrf_of(here.get("/account").text)
    old_api = httpx.post(
        f"{base}/api/token", json={"email": "casey@caseconsultant.localhost", "password": PASSWORD}
    ).json()["token"]
    assert httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {old_api}"}).status_code == 200
    wrong = here.post(
        "/account/password",
        data={"csrf_token": token, "current": "nope", "new": "x" * 12, "repeat": "x" * 12},
    )
    assert wrong.status_code == 400 and "current password is not right" in wrong.text
    ok = here.post(
        "/account/password",
        data={
            "csrf_token": token,
            "current": PASSWORD,
            "new": "a brand new secret",
            "repeat": "a brand new secret",
        },
    )
    assert "Password changed" in ok.text
    assert here.get("/queue", follow_redirects=False).status_code == 200
    assert elsewhere.get("/queue", follow_redirects=False).status_code == 303  # signed out
    assert httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {old_api}"}).status_code == 401
    assert (
        httpx.post(
            f"{base}/api/token",
            json={"email": "casey@caseconsultant.localhost", "password": "a brand new secret"},
        ).status_code
        == 200
    )


def test_a_missing_draft_is_a_clear_404(coder: httpx.Client) -> None:
    r = coder.get("/drafts/424242")
    assert r.status_code == 404 and "There is no draft #424242 here." in r.text
    assert coder.get("/drafts/424242/raw").status_code == 404
    token = csrf_of(coder.get("/queue").text)
    assert coder.post("/drafts/424242/claim", data={"csrf_token": token}).status_code == 404
