"""The outbox against a real SMTP relay on loopback: 4xx retries with backoff, 5xx dead-letters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from consultant.app import App, build_app, prepare
from consultant.models import OutboundMessage
from consultant.outbound.flush import flush_outbox, retry_dead
from consultant.outbound.outbox import enqueue
from consultant.settings import Settings
from tests.conftest import free_port, make_settings

pytestmark = pytest.mark.integration


class ScriptedRelay:
    """Answers DATA with the next scripted reply; records what it accepted."""

    def __init__(self) -> None:
        self.replies: list[str] = []
        self.accepted: list[bytes] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self.replies.pop(0) if self.replies else "250 OK"
        if reply.startswith("250"):
            self.accepted.append(envelope.original_content or b"")
        return reply


@pytest.fixture
def relay() -> Iterator[tuple[ScriptedRelay, int]]:
    handler = ScriptedRelay()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def relay_app(tmp_path, relay) -> Iterator[App]:  # type: ignore[no-untyped-def]
    _, port = relay
    settings: Settings = make_settings(tmp_path, relay_url=f"smtp://127.0.0.1:{port}")
    a = build_app(settings)
    prepare(a, load_codes=False)
    yield a
    a.close()


def _queue(app: App, ident: str) -> int:
    msg = EmailMessage()
    msg["From"] = app.settings.service_address
    msg["To"] = "pat@example.test"
    msg["Subject"] = "Re: test"
    msg["Message-ID"] = f"<notice-{ident}@caseconsultant.localhost>"
    msg.set_content("hello")
    with app.sessions() as session, session.begin():
        return enqueue(session, kind="notice", to_address="pat@example.test", message=msg, now=app.clock()).id


def test_transient_failure_retries_later_then_sends(relay_app: App, relay: tuple[ScriptedRelay, int]) -> None:
    handler, _ = relay
    handler.replies = ["451 4.3.0 try later"]
    row_id = _queue(relay_app, "a")
    now = relay_app.clock()
    assert flush_outbox(relay_app, now).retrying == 1
    with relay_app.sessions() as session:
        row = session.get_one(OutboundMessage, row_id)
        assert row.state == "queued" and row.attempts == 1 and "451" in row.last_error
        assert row.next_attempt_at >= now + timedelta(minutes=1)
    assert flush_outbox(relay_app, now).sent == 0  # not due yet
    assert flush_outbox(relay_app, now + timedelta(minutes=2)).sent == 1
    assert len(handler.accepted) == 1
    assert b"Message-ID: <notice-a@caseconsultant.localhost>" in handler.accepted[0]


def test_permanent_failure_is_dead_lettered_and_can_be_retried(
    relay_app: App, relay: tuple[ScriptedRelay, int]
) -> None:
    handler, _ = relay
    handler.replies = ["550 5.1.1 no such user"]
    row_id = _queue(relay_app, "b")
    assert flush_outbox(relay_app).dead == 1
    with relay_app.sessions() as session, session.begin():
        assert session.get_one(OutboundMessage, row_id).state == "dead"
        retry_dead(session, row_id, relay_app.clock())
    assert flush_outbox(relay_app).sent == 1


def test_relay_down_is_transient(tmp_path) -> None:  # type: ignore[no-untyped-def]
    a = build_app(make_settings(tmp_path, relay_url=f"smtp://127.0.0.1:{free_port()}"))
    prepare(a, load_codes=False)
    _queue(a, "c")
    assert flush_outbox(a).retrying == 1
    a.close()


def test_enqueue_same_message_twice_is_one_row(relay_app: App) -> None:
    assert _queue(relay_app, "d") == _queue(relay_app, "d")
