"""`consultant coders add|list` and `consultant web`."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from consultant.app import App
from consultant.cli.main import cli
from consultant.web.coders import authenticate

pytestmark = pytest.mark.integration


def run(app: App, *args: str, stdin: str = "") -> tuple[int, str]:
    env = {"CONSULTANT_HOME": str(app.settings.home)}
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin)
    return result.exit_code, result.output


def test_coders_add_reads_the_password_from_stdin_and_hashes_it(app: App) -> None:
    code, out = run(
        app,
        "coders",
        "add",
        "Ada@Example.org",
        "--role",
        "admin",
        "--password-stdin",
        stdin="a long enough secret\n",
    )
    assert code == 0, out
    assert "created admin ada@example.org" in out
    with app.sessions() as session:
        coder = authenticate(session, "ada@example.org", "a long enough secret")
        assert coder is not None and coder.role == "admin"
        assert coder.password_hash.startswith("$argon2id$")
        assert authenticate(session, "ada@example.org", "a long enough secreT") is None
    code, out = run(app, "coders", "list")
    assert "ada@example.org" in out and "admin" in out


def test_coders_add_refuses_weak_passwords_duplicates_and_unknown_roles(app: App) -> None:
    code, out = run(app, "coders", "add", "bo@example.org", "--password-stdin", stdin="short\n")
    assert code != 0 and "at least 10 characters" in out
    assert run(app, "coders", "add", "bo@example.org", "--password-stdin", stdin="long enough pw\n")[0] == 0
    code, out = run(app, "coders", "add", "bo@example.org", "--password-stdin", stdin="long enough pw\n")
    assert code != 0 and "already exists" in out
    code, out = run(
        app, "coders", "add", "cy@example.org", "--role", "boss", "--password-stdin", stdin="x" * 12
    )
    assert code != 0 and "boss" in out


def test_web_command_rejects_a_bad_listen_address(app: App) -> None:
    code, out = run(app, "web", "--listen", "nonsense")
    assert code != 0 and "HOST:PORT" in out
    code, out = run(app, "web", "--help")
    assert code == 0 and "--listen" in out
