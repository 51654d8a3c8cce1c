"""README's `coders add … --password-stdin   # type a password, Enter` at a terminal: a hidden prompt asked
twice, not a silent wait echoing the password; piped input still reads the first line."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import consultant.cli.coders as coders_cli
from consultant.app import App
from consultant.cli.main import cli
from consultant.web.coders import authenticate

pytestmark = pytest.mark.integration

SECRET = "a long enough secret"


def run(app: App, stdin: str) -> tuple[int, str]:
    env = {"CONSULTANT_HOME": str(app.settings.home)}
    args = ["coders", "add", "ada@example.org", "--role", "admin", "--password-stdin"]
    result = CliRunner().invoke(cli, args, env=env, input=stdin)
    return result.exit_code, result.output


def test_at_a_terminal_the_password_is_asked_hidden_and_twice(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(coders_cli, "_stdin_is_terminal", lambda: True)
    code, out = run(app, f"{SECRET}\n{SECRET}\n")
    assert code == 0, out
    assert "Password:" in out and "Repeat for confirmation:" in out
    assert SECRET not in out  # not echoed
    with app.sessions() as session:
        assert authenticate(session, "ada@example.org", SECRET) is not None


def test_a_typo_at_the_terminal_is_caught(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coders_cli, "_stdin_is_terminal", lambda: True)
    code, out = run(app, f"{SECRET}\n{SECRET}x\n{SECRET}\n{SECRET}\n")
    assert code == 0, out
    assert "do not match" in out.lower()
    with app.sessions() as session:
        assert authenticate(session, "ada@example.org", SECRET) is not None


def test_piped_input_reads_the_first_line_without_prompting(app: App) -> None:
    code, out = run(app, f"{SECRET}\n")
    assert code == 0, out
    assert "Password" not in out and "created admin ada@example.org" in out
