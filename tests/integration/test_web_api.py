"""The JSON API used the way a script would: token, claim, conflicts, save, approve, preview."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from consultant.app import App
from consultant.models import Draft, OutboundMessage
from consultant.outbound.flush import flush_outbox
from tests.integration.web_support import PASSWORD, add_coder, ask, served

pytestmark = pytest.mark.integration


@pytest.fixture
def base(app: App) -> Iterator[str]:
    with served(app) as server:
        yield server.url


def client(base: str, address: str) -> httpx.Client:
    r = httpx.post(f"{base}/api/token", json={"email": address, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {r.json()['token']}"})


def test_token_needs_the_right_password(app: App, base: str) -> None:
    add_coder(app, "ann@caseconsultant.localhost")
    assert (
        httpx.post(
            f"{base}/api/token", json={"email": "ann@caseconsultant.localhost", "password": "wrong password"}
        ).status_code
        == 401
    )
    bogus = httpx.get(f"{base}/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert bogus.status_code == 401
    me = client(base, "ann@caseconsultant.localhost").get("/api/me").json()
    assert me["email"] == "ann@caseconsultant.localhost" and me["role"] == "coder"


def test_claim_conflict_version_conflict_approve_and_send(app: App, base: str) -> None:
    add_coder(app, "ann@caseconsultant.localhost")
    add_coder(app, "ben@caseconsultant.localhost")
    draft_id = ask(app, "API question", "Is E11.9 billable?\n")
    ann, ben = client(base, "ann@caseconsultant.localhost"), client(base, "ben@caseconsultant.localhost")

    claimed = ann.post(f"/api/drafts/{draft_id}/claim").json()
    assert claimed["claimed_by"] == "ann@caseconsultant.localhost"
    refused = ben.post(f"/api/drafts/{draft_id}/claim")
    assert refused.status_code == 409 and "claimed" in refused.json()["detail"]

    version = claimed["version"]
    saved = ann.put(f"/api/drafts/{draft_id}/answer", json={"answer_md": "First", "version": version})
    assert saved.status_code == 200 and saved.json()["answer"] == "First"
    stale = ann.put(f"/api/drafts/{draft_id}/answer", json={"answer_md": "Stale", "version": version})
    assert stale.status_code == 409 and "changed since you opened it" in stale.json()["detail"]

    preview = ann.post(f"/api/drafts/{draft_id}/preview", json={"answer_md": "Use **E11.9**."}).json()
    assert "<strong>E11.9</strong>" in preview["html"] and "Use **E11.9**." in preview["text"]
    assert preview["subject"].startswith("Re: API question")

    note = ann.post(f"/api/drafts/{draft_id}/notes", json={"text": "checked the tabular list"})
    assert note.status_code == 201
    approved = ann.post(
        f"/api/drafts/{draft_id}/approve",
        json={"answer_md": "Use **E11.9**.", "version": saved.json()["version"]},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["draft"]["state"] == "approved"
    assert approved.json()["to_address"] == "pat@example-clinic.test"
    assert ann.get(f"/api/drafts/{draft_id}").json()["notes"][0]["text"] == "checked the tabular list"
    again = ann.post(f"/api/drafts/{draft_id}/approve", json={"answer_md": "x", "version": 99})
    assert again.status_code == 409
    flush_outbox(app)
    with app.sessions() as session:
        assert session.get_one(OutboundMessage, approved.json()["id"]).state == "sent"
    assert ann.get("/api/drafts?state=pending").json()["total"] == 0
    assert ann.get("/api/drafts/999999").status_code == 404


def test_a_stale_claim_no_longer_blocks(app: App, base: str) -> None:
    add_coder(app, "ann@caseconsultant.localhost")
    add_coder(app, "ben@caseconsultant.localhost")
    draft_id = ask(app, "Stale claim", "Is E11.9 billable?\n")
    client(base, "ann@caseconsultant.localhost").post(f"/api/drafts/{draft_id}/claim")
    with app.sessions() as session:  # Ann went home 31 minutes ago
        draft = session.get_one(Draft, draft_id)
        draft.claimed_at = app.clock() - timedelta(minutes=31)
        session.commit()
    ben = client(base, "ben@caseconsultant.localhost")
    assert ben.get(f"/api/drafts/{draft_id}").json()["claimed_by"] is None
    r = ben.post(f"/api/drafts/{draft_id}/claim")
    assert r.status_code == 200 and r.json()["claimed_by"] == "ben@caseconsultant.localhost"


def test_cookie_sessions_need_the_csrf_header_for_writes(app: App, base: str) -> None:
    import re

    add_coder(app, "ann@caseconsultant.localhost")
    draft_id = ask(app, "Cookie", "Is E11.9 billable?\n")
    browser = httpx.Client(base_url=base, follow_redirects=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/login").text).group(1)  # type: ignore[union-attr]
    browser.post(
        "/login", data={"email": "ann@caseconsultant.localhost", "password": PASSWORD, "csrf_token": token}
    )
    token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get("/queue").text).group(1)  # type: ignore[union-attr]
    assert browser.get("/api/me").status_code == 200  # reads need no header
    assert browser.post(f"/api/drafts/{draft_id}/claim").status_code == 403
    ok = browser.post(f"/api/drafts/{draft_id}/claim", headers={"X-CSRF-Token": token})
    assert ok.status_code == 200


@pytest.mark.postgres
def test_queue_and_claims_on_postgresql(postgres_app: App) -> None:
    app = postgres_app
    add_coder(app, "ann@caseconsultant.localhost")
    add_coder(app, "ben@caseconsultant.localhost")
    draft_id = ask(app, "On PostgreSQL", "Is E11.9 billable?\n")
    with served(app) as server:
        ann = client(server.url, "ann@caseconsultant.localhost")
        ben = client(server.url, "ben@caseconsultant.localhost")
        listed = ann.get("/api/drafts?codes=any&sort=newest").json()
        assert [d["id"] for d in listed["items"]] == [draft_id] and listed["counts"]["pending"] == 1
        assert ann.post(f"/api/drafts/{draft_id}/claim").status_code == 200
        assert ben.post(f"/api/drafts/{draft_id}/claim").status_code == 409
        page = httpx.Client(base_url=server.url, follow_redirects=True)
        assert page.get("/healthz").text == "ok"


def test_simultaneous_claims_have_exactly_one_winner(app: App, base: str) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    coders = [f"coder{n}@caseconsultant.localhost" for n in range(6)]
    for address in coders:
        add_coder(app, address)
    draft_id = ask(app, "Race", "Is E11.9 billable?\n")
    clients = [client(base, address) for address in coders]
    start = Barrier(len(clients))

    def claim(c: httpx.Client) -> int:
        start.wait()
        return c.post(f"/api/drafts/{draft_id}/claim").status_code

    with ThreadPoolExecutor(len(clients)) as pool:
        statuses = list(pool.map(claim, clients))
    assert sorted(statuses) == [200] + [409] * (len(clients) - 1), statuses
    winner = coders[statuses.index(200)]
    assert clients[0].get(f"/api/drafts/{draft_id}").json()["claimed_by"] == winner
