"""The IMAP source when the server is not there, and when another worker holds the mailbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultant.app import App, build_app, prepare
from consultant.cli.main import cli
from consultant.sources import imap_ledger
from consultant.sources.imap import poll_once
from consultant.sources.imap_target import parse_imap_url
from tests.conftest import free_port, make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def refused_url() -> str:
    return f"imap://someone:secret@127.0.0.1:{free_port()}/INBOX"  # nothing listens there


@pytest.fixture
def refused_app(tmp_path: Path, refused_url: str) -> Iterator[App]:
    app = build_app(make_settings(tmp_path, imap_url=refused_url))
    prepare(app, load_codes=False)
    yield app
    app.close()


def test_connection_refused_is_recorded_then_backed_off(refused_app: App, refused_url: str) -> None:
    result = poll_once(refused_app)

    assert result.errors == 1 and "ConnectionRefusedError" in result.error, result
    assert "secret" not in result.error
    name = parse_imap_url(refused_url).ledger_name
    state = imap_ledger.mailbox_state(refused_app.sessions, name)
    assert state is not None and state.failures == 1 and "ConnectionRefusedError" in state.last_error
    assert state.next_attempt_at is not None and state.next_attempt_at > refused_app.clock()
    assert state.leased_by is None  # released even though the pass failed

    # Too soon: not even tried, and says why.
    backed_off = poll_once(refused_app)
    assert backed_off.not_polled == "backing off" and backed_off.errors == 0

    # Once the back-off has passed it tries again, and waits longer after a second failure.
    later = state.next_attempt_at + timedelta(seconds=1)
    refused_app.clock = lambda: later
    assert poll_once(refused_app).errors == 1
    again = imap_ledger.mailbox_state(refused_app.sessions, name)
    assert again is not None and again.failures == 2
    assert again.next_attempt_at is not None and again.next_attempt_at - later == imap_ledger.backoff_delay(2)


def test_a_mailbox_leased_by_another_worker_is_not_polled(refused_app: App, refused_url: str) -> None:
    name = parse_imap_url(refused_url).ledger_name
    now = refused_app.clock()
    granted = imap_ledger.claim(refused_app.sessions, name, "other-worker", now, timedelta(minutes=5))
    assert granted is imap_ledger.Claim.GRANTED

    result = poll_once(refused_app)

    assert result.not_polled == "busy" and result.errors == 0
    # A lease that has run out (its worker died) is taken over.
    refused_app.clock = lambda: now + timedelta(minutes=6)
    assert poll_once(refused_app).errors == 1


def test_not_configured_does_nothing(refused_app: App) -> None:
    refused_app.settings = replace(refused_app.settings, imap_url=None)
    assert poll_once(refused_app).not_polled == "not configured"


def test_cli_poll_once_reports_the_error_and_exits_nonzero(
    tmp_path: Path, refused_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONSULTANT_HOME", str(tmp_path))
    monkeypatch.setenv("CONSULTANT_IMAP_URL", refused_url)

    polled = CliRunner().invoke(cli, ["imap", "poll", "--once"])
    status = CliRunner().invoke(cli, ["imap", "status"])

    assert polled.exit_code == 1, polled.output
    assert "errors 1" in polled.output and "ConnectionRefusedError" in polled.output
    assert status.exit_code == 0, status.output
    assert "1 in a row" in status.output and "secret" not in status.output
