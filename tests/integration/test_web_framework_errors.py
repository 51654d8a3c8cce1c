"""An unknown address or a form's address opened with GET shows a page, not `{"detail": ...}` JSON; a
reloaded draft action (the page after "write an answer before approving") goes back to the draft."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from consultant.app import App
from tests.integration.web_support import PASSWORD, add_coder, served

pytestmark = pytest.mark.integration


@pytest.fixture
def client(app: App) -> Iterator[httpx.Client]:
    add_coder(app, "casey@caseconsultant.localhost")
    with served(app) as server, httpx.Client(base_url=server.url, timeout=30) as c:
        token = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text)
        assert token
        data = {"email": "casey@caseconsultant.localhost", "password": PASSWORD, "csrf_token": token.group(1)}
        assert c.post("/login", data=data).status_code == 303
        yield c


def test_an_unknown_page_is_a_page(client: httpx.Client) -> None:
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and 'href="/queue"' in r.text


def test_a_reloaded_draft_action_goes_back_to_the_draft(client: httpx.Client) -> None:
    r = client.get("/drafts/7/approve")
    assert r.status_code == 303 and r.headers["location"] == "/drafts/7"


def test_another_form_address_opened_with_get_is_a_page(client: httpx.Client) -> None:
    r = client.get("/logout")
    assert r.status_code == 405 and r.headers["content-type"].startswith("text/html")
    assert "only takes a submitted form" in r.text


def test_the_api_keeps_json(client: httpx.Client) -> None:
    r = client.get("/api/no-such-thing")
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
