"""A question naming CPT codes while no CPT release is loaded: the draft page says why they are missing
instead of only "no codes found" (what a coder saw for "Can I bill 38242-59 with 38241?" out of the box)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from consultant.app import App
from consultant.models import CodeRelease
from consultant.web.draft_view import cpt_shaped
from tests.integration.web_support import PASSWORD, add_coder, ask, served

pytestmark = pytest.mark.integration


@pytest.fixture
def coder(app: App) -> Iterator[httpx.Client]:
    add_coder(app, "casey@caseconsultant.localhost")
    with (
        served(app) as server,
        httpx.Client(base_url=server.url, follow_redirects=True, timeout=30) as client,
    ):
        token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
        assert token
        data = {"email": "casey@caseconsultant.localhost", "password": PASSWORD, "csrf_token": token.group(1)}
        assert client.post("/login", data=data).status_code == 200
        yield client


def note(page: str) -> str | None:
    match = re.search(r"<p [^>]*data-unloaded-cpt>(.*?)</p>", page, re.S)
    return match.group(1) if match else None


def test_cpt_numbers_without_a_cpt_release_are_explained(app: App, coder: httpx.Client) -> None:
    draft_id = ask(app, "Bone marrow", "Can I bill 38242-59 with 38241 the same day? 38242 again.")
    page = coder.get(f"/drafts/{draft_id}").text
    text = note(page)
    assert text is not None, page
    assert text.startswith("38242, 38241 look like CPT") and "cpt-long" in text


def test_no_note_once_a_cpt_release_is_loaded(app: App, coder: httpx.Client) -> None:
    with app.sessions() as session:
        session.add(CodeRelease(system="cpt", name="2026", effective_from=date(2026, 1, 1)))
        session.commit()
    draft_id = ask(app, "Bone marrow", "Can I bill 38242 with 38241?")
    assert note(coder.get(f"/drafts/{draft_id}").text) is None


def test_no_note_for_a_question_without_cpt_shaped_numbers(app: App, coder: httpx.Client) -> None:
    draft_id = ask(app, "Fax", "Where do I send the fax for E11.22?")
    assert note(coder.get(f"/drafts/{draft_id}").text) is None


def test_cpt_shaped() -> None:
    assert cpt_shaped("bill 38242-59, 0591T and 99213F? not 0FT44ZZ, 123456, E11.22", set()) == (
        "38242",
        "0591T",
    )
    assert cpt_shaped("38242 with 38241", {"38241"}) == ("38242",)


def test_the_text_draft_does_not_claim_no_code_was_named() -> None:
    from consultant.drafts.content import render_draft
    from consultant.drafts.facts import DraftFacts, QuotaView

    quota = QuotaView(plan="guest", plan_title="Guest", allowance=1, remaining=1, shown=0, withheld=0)
    facts = DraftFacts(
        date_of_service="2026-11-25", found=[], codes=[], edits=[], hints=[], candidates=[], quota=quota
    )
    text = render_draft(
        draft_id=1, token="CC-X", sender="a@b.test", question="38242 with 38241?", facts=facts
    )
    assert "No code was named" not in text  # 38242 was named: it is just not in a loaded code set
    assert "No code from the loaded code sets was found" in text


def test_counts_on_the_draft_page_are_plain_english(app: App, coder: httpx.Client) -> None:
    draft_id = ask(
        app,
        "Images",
        "Is E11.22 right?",
        html='<p>Is E11.22 right?<img src="http://tracker.example/p.gif"></p>',
    )
    page = coder.get(f"/drafts/{draft_id}").text
    assert "(s)" not in page
    assert "0 code pages shown" in page  # no code sets in this database: nothing shown
    assert "1 remote image blocked" in page


def test_the_thread_names_the_notice_the_asker_got(app: App, coder: httpx.Client) -> None:
    draft_id = ask(app, "Fax", "Where do I send the fax?", sender="new.asker@example-fp.test")
    page = coder.get(f"/drafts/{draft_id}").text
    assert "Acknowledgement to new.asker@example-fp.test" in page
    assert "Notice to" not in page


def test_notice_titles() -> None:
    from consultant.web.draft_view import notice_title

    assert notice_title("<notice-over_quota-17b0f2f79c10-20261125123530@x.test>").startswith(
        "Over-quota notice"
    )
    assert notice_title("<notice-acknowledgement-1eb7ed6a46f3-20261125123530@x.test>") == "Acknowledgement"
    assert notice_title("<something-else@x.test>") == "Notice"
