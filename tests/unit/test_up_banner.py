"""What `make run` prints: commands a newcomer can paste into a second terminal, and no passwords."""

from __future__ import annotations

from pathlib import Path

from consultant.cli.run import banner, hide_password
from consultant.settings import Settings


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"CONSULTANT_HOME": str(tmp_path), **env})


def test_default_ports_and_the_venv_path(tmp_path: Path) -> None:
    text = banner(settings(tmp_path), True, ".venv/bin/consultant")
    assert ".venv/bin/consultant demo " in text and "--smtp" not in text
    assert ".venv/bin/consultant coders add EMAIL" in text
    assert "http://127.0.0.1:8000/" in text


def test_other_ports_are_named_in_the_demo_command(tmp_path: Path) -> None:
    s = settings(tmp_path, CONSULTANT_SMTP_LISTEN="127.0.0.1:2625", CONSULTANT_WEB_LISTEN="127.0.0.1:8100")
    text = banner(s, True, "consultant")
    assert "consultant demo --smtp 127.0.0.1:2625" in text
    assert "http://127.0.0.1:8100/" in text


def test_passwords_are_not_printed(tmp_path: Path) -> None:
    s = settings(
        tmp_path,
        CONSULTANT_DATABASE_URL="postgresql://consultant:db-secret@db-host/consultant",
        CONSULTANT_RELAY_URL="smtps://mailer:relay-secret@smtp.example.org:465",
    )
    text = banner(s, False, "consultant")
    assert "db-secret" not in text and "relay-secret" not in text
    assert "postgresql://consultant:***@db-host/consultant" in text
    assert "smtps://mailer:***@smtp.example.org:465" in text
    assert "Review queue                consultant queue list" in text


def test_hide_password_leaves_urls_without_one_alone() -> None:
    assert hide_password("sqlite:////tmp/x/db.sqlite3") == "sqlite:////tmp/x/db.sqlite3"
    assert hide_password("smtp://relay.example.org:25") == "smtp://relay.example.org:25"
    assert hide_password("smtp://user@relay.example.org:25") == "smtp://user@relay.example.org:25"
