"""imaps:// against a Dovecot that only speaks TLS, with a self-signed certificate for 127.0.0.1."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from consultant.app import App, build_app, prepare
from consultant.sources.imap import poll_once
from tests.conftest import make_settings, skip_or_fail
from tests.integration import dovecot

pytestmark = [pytest.mark.integration, pytest.mark.dovecot]


@pytest.fixture(scope="module")
def tls_server() -> Iterator[dovecot.DovecotServer]:
    if not dovecot.installed():
        skip_or_fail(f"dovecot-imapd not installed: {dovecot.DOVECOT} or {dovecot.IMAP} is missing")
    srv = dovecot.start(tls=True)
    yield srv
    dovecot.stop(srv)
    dovecot.remove(srv)


@pytest.fixture
def tls_app(tls_server: dovecot.DovecotServer, tmp_path: Path) -> Iterator[App]:
    app = build_app(make_settings(tmp_path, imap_url=tls_server.url("INBOX")))
    prepare(app, load_codes=False)
    yield app
    app.close()


def test_imaps_fetches_when_the_certificate_is_trusted(
    tls_server: dovecot.DovecotServer, tls_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ssl

    from imapclient import IMAPClient

    assert tls_app.settings.imap_url and tls_app.settings.imap_url.startswith("imaps://")
    raw = f"From: a@example.org\r\nSubject: over TLS\r\nMessage-ID: <{uuid.uuid4().hex}@x>\r\n\r\nhi\r\n".encode()
    context = ssl.create_default_context(cafile=str(tls_server.cafile))
    with IMAPClient(tls_server.host, tls_server.port, ssl=True, ssl_context=context, timeout=10) as client:
        client.login(tls_server.username, tls_server.password)
        client.append("INBOX", raw)
    # The poller's own connect() uses the system's trust store; point that at the test certificate.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.cafile))

    result = poll_once(tls_app)

    assert (result.fetched, result.errors) == (1, 0), result
    assert [tls_app.spool.read(k) for k in tls_app.spool.keys()] == [raw]  # noqa: SIM118 - a Maildir


def test_an_untrusted_certificate_is_an_error_not_a_fetch(
    tls_app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "no-such-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))

    result = poll_once(tls_app)

    assert result.errors == 1 and "CERTIFICATE_VERIFY_FAILED" in result.error, result
    assert tls_app.spool.keys() == []
