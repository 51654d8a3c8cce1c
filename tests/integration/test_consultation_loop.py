"""The whole loop on the embedded default: SMTP in, draft, CLI approval, threaded reply in mailboxes/sent."""

from __future__ import annotations

import email
import email.policy
import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from consultant.app import App
from consultant.cli.main import cli
from consultant.intake.pipeline import drain_spool
from consultant.models import Coder, QuotaEntry
from consultant.outbound.flush import flush_outbox
from consultant.sources.smtp import SmtpReceiver
from tests.conftest import free_port

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(loaded_app: App) -> SmtpReceiver:
    r = SmtpReceiver(loaded_app.spool, "127.0.0.1", free_port(), max_message_bytes=200_000)
    r.start()
    yield r  # type: ignore[misc]
    r.stop()


def _question(
    subject: str, body: str, sender: str = "pat@example-clinic.test", **headers: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = f"Pat Biller <{sender}>"
    msg["To"] = "consult@caseconsultant.localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = email.utils.make_msgid(domain="example-clinic.test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def _send(receiver: SmtpReceiver, msg: EmailMessage) -> None:
    host, port = receiver.address
    with smtplib.SMTP(host, port, timeout=10) as smtp:
        smtp.send_message(msg)


def _cli(app: App, *args: str) -> str:
    env = {"CONSULTANT_HOME": str(app.settings.home)}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _sent(app: App) -> list[email.message.EmailMessage]:
    box = app.settings.sent_dir / "new"
    return [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
        for p in sorted(box.iterdir())
        if not p.name.startswith(".")
    ]


def _add_coder(app: App, address: str = "coder@caseconsultant.localhost") -> None:
    with app.sessions() as session, session.begin():
        session.add(Coder(email=address, name="Casey Coder", role="coder"))


def test_question_to_threaded_reply(loaded_app: App, receiver: SmtpReceiver, tmp_path: Path) -> None:
    app = loaded_app
    _add_coder(app)
    question = _question("Diabetes with CKD 3a", "Type 2 diabetic, CKD 3a: E11.22 with N18.31?\n\n-- \nPat")
    _send(receiver, question)
    assert len(app.spool.keys()) == 1  # 250 was said after the spool file was written

    [outcome] = drain_spool(app)
    assert outcome.state == "drafted"

    listed = json.loads(_cli(app, "queue", "list", "--json"))
    assert [d["id"] for d in listed] == [outcome.draft_id]
    shown = json.loads(_cli(app, "queue", "show", str(outcome.draft_id), "--json"))
    assert shown["codes"] == ["E11.22", "N18.31"]
    assert shown["withheld"] == ["N18.31"]  # a guest sees one code page
    assert "Type 2 diabetes mellitus with diabetic chronic kidney disease" in shown["content"]

    answer = tmp_path / "answer.md"
    answer.write_text("Sequence **E11.22** first, then N18.31 for the stage.\n")
    _cli(
        app,
        "queue",
        "approve",
        str(outcome.draft_id),
        "--answer-file",
        str(answer),
        "--coder",
        "coder@caseconsultant.localhost",
    )

    sent = _sent(app)
    # The over-quota notice went out at intake (Auto-Submitted, never charged); the coder's reply is the other.
    [notice] = [m for m in sent if m["Auto-Submitted"] == "auto-replied"]
    [reply] = [m for m in sent if m["Auto-Submitted"] is None]
    assert "N18.31" in notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert reply["To"] == "pat@example-clinic.test"
    assert reply["In-Reply-To"] == question["Message-ID"]
    assert question["Message-ID"] in reply["References"]
    assert reply["Subject"].startswith("Re: Diabetes with CKD 3a [CC-")
    text = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = reply.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Type 2 diabetes mellitus with diabetic chronic kidney disease" in text
    assert "<strong>E11.22</strong>" in html
    assert "0 code page views remaining" in text and "/register/" in text
    assert "Code page views remaining on your Guest plan: 0" in text

    with app.sessions() as session:
        entries = session.scalars(select(QuotaEntry)).all()
    assert [(e.code_page, e.state) for e in entries] == [("icd10cm:E11.22", "charged")]

    # The sender replies to our answer: the same consultation continues with a new draft.
    follow_up = _question(
        f"Re: {reply['Subject']}",
        "And if it were stage 3b, N18.32?",
        In_Reply_To=reply["Message-ID"],
        References=reply["Message-ID"],
    )
    _send(receiver, follow_up)
    [again] = drain_spool(app)
    assert again.state == "drafted"
    second = json.loads(_cli(app, "queue", "show", str(again.draft_id), "--json"))
    assert second["consultation"] == shown["consultation"]


def test_out_of_office_gives_no_draft_and_no_reply(loaded_app: App, receiver: SmtpReceiver) -> None:
    _send(receiver, _question("Automatic reply: Diabetes", "I am away.", Auto_Submitted="auto-replied"))
    [outcome] = drain_spool(loaded_app)
    assert outcome.state == "ignored" and outcome.draft_id is None
    assert flush_outbox(loaded_app).sent == 0
    assert _sent(loaded_app) == []


def test_oversize_is_refused_with_552(loaded_app: App, receiver: SmtpReceiver) -> None:
    msg = _question("Big", "x" * 300_000)
    with pytest.raises(smtplib.SMTPResponseException) as err:
        _send(receiver, msg)
    assert err.value.smtp_code == 552
    assert loaded_app.spool.keys() == []


def test_reject_gives_the_views_back(loaded_app: App, receiver: SmtpReceiver) -> None:
    _send(receiver, _question("PCS", "Is 0FT44ZZ right for a lap chole?"))
    [outcome] = drain_spool(loaded_app)
    _cli(loaded_app, "queue", "reject", str(outcome.draft_id), "--reason", "test message")
    with loaded_app.sessions() as session:
        states = [e.state for e in session.scalars(select(QuotaEntry))]
    assert states == ["released"]
    assert _sent(loaded_app) == []
