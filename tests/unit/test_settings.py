from __future__ import annotations

from pathlib import Path

import pytest

from consultant.settings import Settings, SettingsError


def test_defaults_are_embedded(tmp_path: Path) -> None:
    s = Settings.from_env({"CONSULTANT_HOME": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path}/db/consultant.sqlite3"
    assert s.smtp_listen == ("127.0.0.1", 2525)
    assert s.relay_url is None
    assert s.sent_dir == tmp_path / "mailboxes" / "sent"


def test_bad_listen_address_is_explained() -> None:
    with pytest.raises(SettingsError, match="CONSULTANT_SMTP_LISTEN must look like HOST:PORT"):
        Settings.from_env({"CONSULTANT_SMTP_LISTEN": "nonsense"})


def test_bad_number_is_explained() -> None:
    with pytest.raises(SettingsError, match="CONSULTANT_MAX_MESSAGE_BYTES must be a whole number"):
        Settings.from_env({"CONSULTANT_MAX_MESSAGE_BYTES": "ten"})


def test_retention_below_one_day_is_refused() -> None:
    # A negative retention would purge every raw message at once.
    with pytest.raises(SettingsError, match="CONSULTANT_RAW_RETENTION_DAYS must be at least 1"):
        Settings.from_env({"CONSULTANT_RAW_RETENTION_DAYS": "-3"})


def test_imap_url_scheme_is_checked_at_start() -> None:
    with pytest.raises(SettingsError, match="CONSULTANT_IMAP_URL must start with imap:// or imaps://"):
        Settings.from_env({"CONSULTANT_IMAP_URL": "ftp://x"})
