"""The product's rule, end to end on the embedded default: a guest asks about two codes and gets one
description and the over-quota notice with a registration link; registers through the link; asks
again and gets the rest. `consultant accounts show` tells the truth after every step. And a spoofed
From with DMARC fail is held and charges nothing."""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from consultant.app import App, build_app
from consultant.cli.main import cli
from consultant.intake.pipeline import drain_spool
from consultant.models import Coder, Draft, Question, QuotaEntry
from consultant.outbound.flush import flush_outbox
from consultant.web.server import WebServer
from tests.conftest import free_port

pytestmark = pytest.mark.integration
GUEST = "pat@example-clinic.test"
CODER = "coder@caseconsultant.localhost"
E11_22 = "Type 2 diabetes mellitus with diabetic chronic kidney disease"
N18_31 = "Chronic kidney disease, stage 3a"


def question(
    subject: str, body: str, sender: str = GUEST, headers: tuple[tuple[str, str], ...] = ()
) -> bytes:
    msg = EmailMessage()
    for name, value in headers:
        msg[name] = value
    msg["From"] = f"Pat Biller <{sender}>"
    msg["To"] = "consult@caseconsultant.localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = email.utils.make_msgid(domain="example-clinic.test")
    msg.set_content(body)
    return msg.as_bytes()


def cli_json(app: App, *args: str) -> Any:
    env = {"CONSULTANT_HOME": str(app.settings.home), "CONSULTANT_DATABASE_URL": app.settings.database_url}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output) if args[-1] == "--json" else result.output


def account(app: App) -> dict[str, Any]:
    data: dict[str, Any] = cli_json(app, "accounts", "show", GUEST, "--json")
    return data


def sent(app: App) -> list[email.message.EmailMessage]:
    box = app.settings.sent_dir / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(box.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    ]


def text_of(msg: email.message.EmailMessage) -> str:
    body = msg.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def approve(app: App, draft_id: int, tmp_path: Path) -> None:
    answer = tmp_path / f"answer-{draft_id}.md"
    answer.write_text("Code **E11.22** first, then the CKD stage.\n")
    cli_json(
        app, "queue", "approve", str(draft_id), "--answer-file", str(answer), "--coder", CODER, "--no-send"
    )
    assert flush_outbox(app).sent >= 1


@pytest.fixture
def web(loaded_app: App) -> Iterator[str]:
    server = WebServer(loaded_app, "127.0.0.1", free_port())
    server.start()
    yield server.url
    server.stop()


def register_through(link: str, web_url: str) -> str:
    path = "/register/" + link.rsplit("/register/", 1)[1]
    with httpx.Client(base_url=web_url, timeout=10) as browser:
        page = browser.get(path)
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        done = browser.post(path, data={"csrf_token": token.group(1)})
        assert done.status_code == 200
        return done.text


def test_guest_two_codes_one_shown_registers_then_gets_the_rest(
    loaded_app: App, web: str, tmp_path: Path
) -> None:
    app = loaded_app
    with app.sessions.begin() as s:
        s.add(Coder(email=CODER, name="Casey Coder", role="coder"))

    # 1. A guest asks about two codes.
    app.spool.deliver(question("Diabetes with CKD 3a", "Type 2 diabetic with CKD 3a: E11.22 with N18.31?"))
    [first] = drain_spool(app)
    assert first.state == "drafted" and first.draft_id is not None
    a = account(app)
    assert (a["plan"], a["reserved"], a["charged"], a["views_remaining"]) == ("guest", 1, 0, 0)

    approve(app, first.draft_id, tmp_path)
    a = account(app)
    assert (a["reserved"], a["charged"], a["views_used"], a["views_remaining"]) == (0, 1, 1, 0)
    mails = sent(app)
    replies = [m for m in mails if m["Auto-Submitted"] is None]
    notices = [m for m in mails if m["Auto-Submitted"] == "auto-replied"]
    [reply] = replies
    text = text_of(reply)
    assert E11_22 in text and N18_31 not in text  # one description
    assert "0 code page views remaining" in text  # the over-quota notice, in the reply...
    carriers = [text, *(text_of(n) for n in notices)]  # ...and in a separate notice once intake sends one
    links = [m.group(0) for t in carriers for m in re.finditer(r"https?://\S+/register/\S+", t)]
    assert links, "the guest is given a registration link"

    # 2. The guest follows the link and confirms.
    page = register_through(links[-1], web)
    assert "You are registered" in page
    a = account(app)
    assert (a["plan"], a["verified"], a["charged"], a["views_remaining"]) == ("free", True, 1, 5)

    # 3. Asked again, the guest-now-free account gets both descriptions; only the new page costs a view.
    app.spool.deliver(question("CKD stage again", "Please describe E11.22 and N18.31 again."))
    [second] = drain_spool(app)
    assert second.state == "drafted" and second.draft_id is not None
    a = account(app)
    assert (a["reserved"], a["charged"], a["views_remaining"]) == (1, 1, 4)
    approve(app, second.draft_id, tmp_path)
    last = [m for m in sent(app) if m["Auto-Submitted"] is None][-1]
    text = text_of(last)
    assert E11_22 in text and N18_31 in text
    assert "0 code page views remaining" not in text
    a = account(app)
    assert (a["reserved"], a["charged"], a["views_used"], a["views_remaining"]) == (0, 2, 2, 4)
    with app.sessions() as s:
        pages = sorted((e.code_page, e.state) for e in s.scalars(select(QuotaEntry)))
    assert pages == [("icd10cm:E11.22", "charged"), ("icd10cm:N18.31", "charged")]


def test_a_rejected_draft_gives_its_views_back(loaded_app: App) -> None:
    app = loaded_app
    cli_json(app, "accounts", "add", GUEST, "--plan", "free")
    app.spool.deliver(question("Two codes", "E11.22 and N18.31 please"))
    [out] = drain_spool(app)
    assert account(app)["views_remaining"] == 4
    cli_json(app, "queue", "reject", str(out.draft_id), "--reason", "duplicate question")
    a = account(app)
    assert (a["reserved"], a["charged"], a["views_remaining"]) == (0, 0, 6)


def test_spoofed_from_with_dmarc_fail_is_held_and_not_charged(loaded_app: App) -> None:
    strict = build_app(
        replace(loaded_app.settings, require_dmarc=True, authserv_ids=("mx.caseconsultant.localhost",)),
        engine=loaded_app.engine,
    )
    cli_json(strict, "accounts", "add", GUEST, "--plan", "free")
    spoof = question(
        "Codes",
        "E11.22 and N18.31?",
        headers=(
            (
                "Authentication-Results",
                "mx.caseconsultant.localhost; dmarc=fail header.from=example-clinic.test",
            ),
        ),
    )
    genuine = question(
        "Codes",
        "E11.22 and N18.31?",
        headers=(
            (
                "Authentication-Results",
                "mx.caseconsultant.localhost; dmarc=pass header.from=example-clinic.test",
            ),
        ),
    )
    strict.spool.deliver(spoof)
    [held] = drain_spool(strict)
    assert held.state == "held" and "DMARC fail" in held.reason
    with strict.sessions() as s:
        q = s.scalars(
            select(Question).join(Draft, Draft.question_id == Question.id).where(Draft.id == held.draft_id)
        ).one()
        assert q.unverified
    a = account(strict)
    assert (a["reserved"], a["charged"], a["views_remaining"]) == (0, 0, 6)
    strict.spool.deliver(genuine)
    [ok] = drain_spool(strict)
    assert ok.state == "drafted"
    assert account(strict)["reserved"] == 2
