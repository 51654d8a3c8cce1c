"""A wrong CONSULTANT_DATABASE_URL is reported in one line naming the setting, never as a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultant.cli.main import cli


def run(tmp_path: Path, url: str) -> tuple[int, str, BaseException | None]:
    env = {"CONSULTANT_HOME": str(tmp_path), "CONSULTANT_DATABASE_URL": url}
    result = CliRunner().invoke(cli, ["accounts", "list"], env=env)
    return result.exit_code, result.output, result.exception


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("nonsense", "not a database URL"),
        ("mysql://someone@db.invalid/consultant", "no driver"),
    ],
)
def test_a_wrong_url_is_one_line_naming_the_setting(tmp_path: Path, url: str, expected: str) -> None:
    code, out, exc = run(tmp_path, url)
    assert code == 1
    assert isinstance(exc, SystemExit), exc  # a ClickException, not an escaped error
    assert out.startswith("Error: cannot use the database CONSULTANT_DATABASE_URL=")
    assert expected in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1


def test_an_unreachable_server_says_so_and_hides_the_password(tmp_path: Path) -> None:
    code, out, exc = run(tmp_path, f"postgresql://someone:hunter2@127.0.0.1:{free_port()}/consultant")
    assert code == 1 and isinstance(exc, SystemExit), exc
    assert "hunter2" not in out and "***" in out
    assert "refused" in out.lower() or "failed" in out.lower()


def test_a_folder_that_cannot_be_made_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, out, exc = run(tmp_path, f"sqlite:///{blocker}/db/consultant.sqlite3")
    assert code == 1 and isinstance(exc, SystemExit), exc
    assert "cannot prepare" in out and str(blocker) in out


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("CONSULTANT_RELAY_URL", "bogus://relay.example.org", "CONSULTANT_RELAY_URL must look like"),
        (
            "CONSULTANT_PLANS_FILE",
            "/nonexistent/plans.toml",
            "cannot read plans file /nonexistent/plans.toml",
        ),
    ],
)
def test_settings_checked_late_are_one_line_too(tmp_path: Path, name: str, value: str, expected: str) -> None:
    env = {"CONSULTANT_HOME": str(tmp_path), name: value}
    result = CliRunner().invoke(cli, ["accounts", "list"], env=env)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert result.output.startswith("Error: ") and expected in result.output
    assert len(result.output.strip().splitlines()) == 1
