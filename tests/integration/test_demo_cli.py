"""`consultant demo` sends the sample questions through a running receiver, and names a command that works
from where it was started (`.venv/bin/consultant` on a fresh PATH); without a receiver, one line says so."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import consultant.cli.run as run_cli
from consultant.app import App
from consultant.cli.main import cli
from consultant.sources.smtp import SmtpReceiver
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def test_demo_delivers_and_points_at_the_queue(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_cli, "command_name", lambda: ".venv/bin/consultant")
    receiver = SmtpReceiver(app.spool, "127.0.0.1", free_port(), max_message_bytes=200_000)
    receiver.start()
    try:
        host, port = receiver.address
        env = {"CONSULTANT_HOME": str(app.settings.home)}
        result = CliRunner().invoke(cli, ["demo", "--smtp", f"{host}:{port}"], env=env)
    finally:
        receiver.stop()
    assert result.exit_code == 0, result.output
    assert result.output.count("sent: ") == 4
    assert result.output.rstrip().endswith(".venv/bin/consultant queue list")
    assert len(app.spool.keys()) == 4


def test_demo_without_a_receiver_is_one_line(app: App) -> None:
    env = {"CONSULTANT_HOME": str(app.settings.home)}
    result = CliRunner().invoke(cli, ["demo", "--smtp", f"127.0.0.1:{free_port()}"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: no SMTP receiver at 127.0.0.1:")
    assert "Traceback" not in result.output
