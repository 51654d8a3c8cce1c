"""The review queue in a real headless Chromium: the whole answer loop, contention, hostile mail, CSRF, roles."""

from __future__ import annotations

import email
import email.policy
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from consultant.app import App
from consultant.outbound.flush import flush_outbox
from tests.integration.web_support import add_coder, ask, browser, screenshot, served, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.browser]
__all__ = ["browser"]  # the fixture, imported for pytest


def _sent(app: App) -> list[email.message.EmailMessage]:
    box = app.settings.sent_dir / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(box.iterdir())
        if not p.name.startswith(".")
    ]


def _text(message: email.message.EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""  # type: ignore[no-any-return]


def test_sign_in_claim_answer_approve_and_the_reply_is_sent(loaded_app: App, browser: Any) -> None:
    app = loaded_app
    add_coder(app, "casey@caseconsultant.localhost", name="Casey Coder")
    draft_id = ask(app, "Diabetes with CKD 3a", "Type 2 diabetic with CKD stage 3a: E11.22 with N18.31?\n")
    ask(app, "Knee arthroscopy", "Is 29881 with 29877 on the same knee allowed?\n", sender="lee@ortho.test")
    answer = "Sequence **E11.22** first, then N18.31 for the CKD stage."
    with served(app) as server:
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        sign_in(page, server.url, "casey@caseconsultant.localhost")
        assert page.locator("table.queue tbody tr").count() == 2
        screenshot(page, "queue.png")

        # From the keyboard: j selects the first (oldest) question, Enter opens it.
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{server.url}/drafts/{draft_id}")
        assert page.locator("[data-code='E11.22']").count() == 1
        assert "Type 2 diabetes mellitus with diabetic chronic kidney disease" in page.content()
        assert page.locator("textarea[name=answer_md]").is_disabled()  # claim first

        page.keyboard.press("c")  # claim, from the keyboard too
        page.wait_for_selector("[data-claim=mine]")
        page.fill("textarea[name=answer_md]", answer)
        # The live preview shows the exact email: rendered Markdown in the HTML part, the subject threaded.
        preview = page.frame_locator("[data-preview-html]")
        preview.locator("strong", has_text="E11.22").wait_for()
        assert page.locator("[data-preview-subject]").inner_text().startswith("Re: Diabetes with CKD 3a [CC-")
        page.click("[data-preview-tab=text]")
        expect(page.locator("[data-preview-text]")).to_contain_text("first, then N18.31 for the CKD stage")
        page.click("[data-preview-tab=html]")
        screenshot(page, "draft.png")

        page.click("[data-approve]")
        page.wait_for_url(f"{server.url}/queue")
        assert "Approved draft" in page.locator(".flash-ok").inner_text()
        assert page.locator("table.queue tbody tr").count() == 1  # the answered one left the queue
        assert dialogs == []

    flush_outbox(app)
    # Acknowledgement notices may go out too; the answer is the one threaded under the question.
    [reply] = [m for m in _sent(app) if "for the CKD stage" in _text(m)]
    assert reply["To"] == "pat@example-clinic.test"
    assert reply["Subject"].startswith("Re: Diabetes with CKD 3a [CC-")
    text = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = reply.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "first, then N18.31 for the CKD stage" in text
    assert "<strong>E11.22</strong>" in html


def test_two_coders_contend_for_one_draft_and_only_one_wins(app: App, browser: Any) -> None:
    add_coder(app, "ann@caseconsultant.localhost", name="Ann")
    add_coder(app, "ben@caseconsultant.localhost", name="Ben")
    draft_id = ask(app, "Modifier question", "Do I need modifier 25 with 99214 and 20610?\n")
    with served(app) as server:
        ann = browser.new_context().new_page()
        ben = browser.new_context().new_page()
        sign_in(ann, server.url, "ann@caseconsultant.localhost")
        sign_in(ben, server.url, "ben@caseconsultant.localhost")
        # Both open the unclaimed draft; both see the Claim button.
        for page in (ann, ben):
            page.goto(f"{server.url}/drafts/{draft_id}")
            page.wait_for_selector("[data-claim-button]")
        ann.click("[data-claim-button]")
        ann.wait_for_selector("[data-claim=mine]")
        ben.click("[data-claim-button]")  # from a page that still offers the claim
        ben.wait_for_selector("[data-error]")
        assert "already claimed by another coder" in ben.locator("[data-error]").inner_text()
        assert ben.locator("[data-claim=other]").count() == 1
        assert "Ann" in ben.locator("[data-claim=other]").inner_text()
        assert ben.locator("textarea[name=answer_md]").is_disabled()

        # Ben forges the save anyway (with his valid CSRF token): the core refuses it.
        token = ben.locator("meta[name=csrf-token]").get_attribute("content")
        response = ben.request.post(
            f"{server.url}/drafts/{draft_id}/save",
            form={"csrf_token": token, "answer_md": "Ben's answer", "version": "2"},
            max_redirects=0,
        )
        assert response.status == 409

        # A second question, claimed by both at the same moment: both forms are submitted before either
        # answer arrives, and exactly one of them wins.
        race_id = ask(app, "Race", "Modifier 59 with 29881 and 29877?\n")
        for page in (ann, ben):
            page.goto(f"{server.url}/drafts/{race_id}")
            page.wait_for_selector("[data-claim-button]")
        with ann.expect_navigation(), ben.expect_navigation():
            ann.evaluate("document.querySelector(\"form[action$='/claim']\").requestSubmit()")
            ben.evaluate("document.querySelector(\"form[action$='/claim']\").requestSubmit()")
        mine = [p.locator("[data-claim=mine]").count() for p in (ann, ben)]
        other = [p.locator("[data-claim=other]").count() for p in (ann, ben)]
        assert sorted(mine) == [0, 1] and sorted(other) == [0, 1], (mine, other)

        # Ann, in two tabs: the older tab cannot overwrite the newer text.
        ann.goto(f"{server.url}/drafts/{draft_id}")
        tab1, tab2 = ann, ann.context.new_page()
        tab2.goto(f"{server.url}/drafts/{draft_id}")
        tab1.fill("textarea[name=answer_md]", "First version of the answer.")
        tab1.click("[data-save]")
        tab1.wait_for_selector(".flash-ok")
        tab2.fill("textarea[name=answer_md]", "Text typed in an outdated tab.")
        tab2.click("[data-save]")
        tab2.wait_for_selector("[data-error]")
        assert "changed since you opened it" in tab2.locator("[data-error]").inner_text()
        assert tab2.locator("textarea[name=answer_md]").input_value() == "Text typed in an outdated tab."

    from consultant.models import Draft

    with app.sessions() as session:
        draft = session.get_one(Draft, draft_id)
        assert draft.answer == "First version of the answer."
        assert draft.claimed_by is not None


HOSTILE_HTML = """<html><body>
<p>Which code for <b>J1100</b>?</p>
<script>window.__pwned = 'script'; alert('script');</script>
<img src="x" onerror="window.__pwned = 'onerror'; alert('onerror')" alt="broken">
<img src="https://tracker.example/pixel.gif" alt="tracking pixel">
<a href="javascript:window.__pwned='link';alert('link')" id="evil">Click for details</a>
<a href="https://www.cms.gov/">CMS</a>
<iframe src="javascript:alert('frame')"></iframe>
<svg onload="alert('svg')"></svg>
</body></html>"""


def test_hostile_mail_is_shown_inert(app: App, browser: Any) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    draft_id = ask(app, "Injection question", "Which code for J1100?\n", html=HOSTILE_HTML)
    with served(app) as server:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        sign_in(page, server.url, "casey@caseconsultant.localhost")
        page.goto(f"{server.url}/drafts/{draft_id}")
        page.click("summary")  # show the formatted version
        shown = page.locator("[data-mail-html]")
        shown.wait_for()
        assert "J1100" in shown.inner_text()
        assert shown.locator("script, iframe, svg, [onerror], [onload]").count() == 0
        assert shown.locator("a[href^='javascript']").count() == 0
        assert shown.locator("a[href='https://www.cms.gov/']").count() == 1
        assert shown.locator("img[src^='https://']").count() == 0  # remote images blocked
        assert re.search(r"\b\d+ remote images? blocked", page.content())  # "1 remote image", "2 … images"
        shown.locator("a", has_text="Click for details").click()
        page.wait_for_timeout(300)
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert not any("tracker.example" in url for url in requests)


def test_a_form_posted_without_its_csrf_token_is_refused(app: App, browser: Any) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    draft_id = ask(app, "CSRF question", "Is 99213 billable with G2211?\n")
    with served(app) as server:
        page = browser.new_page()
        sign_in(page, server.url, "casey@caseconsultant.localhost")
        page.goto(f"{server.url}/drafts/{draft_id}")
        # The real form, with its token field removed, submitted by the browser.
        page.evaluate("document.querySelector(\"form[action$='/claim'] input[name=csrf_token]\").remove()")
        with page.expect_navigation() as nav:
            page.click("[data-claim-button]")
        assert nav.value.status == 403
        assert "Form expired" in page.content()
        # A wrong token fares no better; the right one works.
        bad = page.request.post(
            f"{server.url}/drafts/{draft_id}/claim", form={"csrf_token": "nope"}, max_redirects=0
        )
        assert bad.status == 403
        page.goto(f"{server.url}/drafts/{draft_id}")
        assert page.locator("[data-claim=none]").count() == 1  # nothing was claimed
        page.click("[data-claim-button]")
        page.wait_for_selector("[data-claim=mine]")


def test_a_coder_cannot_reach_admin_pages(app: App, browser: Any) -> None:
    add_coder(app, "casey@caseconsultant.localhost")
    add_coder(app, "root@caseconsultant.localhost", role="admin")
    with served(app) as server:
        page = browser.new_page()
        sign_in(page, server.url, "casey@caseconsultant.localhost")
        assert page.locator("nav.mainnav a[href='/admin']").count() == 0
        for path in (
            "/admin/accounts",
            "/admin/coders",
            "/admin/codesets",
            "/admin/quarantine",
            "/admin/undeliverable",
        ):
            response = page.goto(f"{server.url}{path}")
            assert response.status == 403, path
        token = page.locator("meta[name=csrf-token]").get_attribute("content")
        forged = page.request.post(
            f"{server.url}/admin/coders",
            form={"csrf_token": token, "email": "x@y.test", "role": "admin", "password": "a long password"},
            max_redirects=0,
        )
        assert forged.status == 403

        admin = browser.new_context().new_page()
        sign_in(admin, server.url, "root@caseconsultant.localhost")
        assert admin.goto(f"{server.url}/admin/coders").status == 200
        assert admin.locator("text=casey@caseconsultant.localhost").count() == 1
