"""Pure parts of the IMAP source: the URL setting, spool keys, fetch batches, back-off, the summary line."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from consultant.settings import Settings, SettingsError
from consultant.sources.imap import PollResult
from consultant.sources.imap_ledger import backoff_delay
from consultant.sources.imap_server import BATCH_BYTES, BATCH_MESSAGES, Waiting, batches, spool_key
from consultant.sources.imap_target import parse_imap_url


def test_url_defaults_and_decoding() -> None:
    plain = parse_imap_url("imap://consult%40example.org:p%40ss%2Fw@mail.example.org/Questions%20In")
    assert (plain.host, plain.port, plain.tls) == ("mail.example.org", 143, False)
    assert (plain.username, plain.password, plain.mailbox) == (
        "consult@example.org",
        "p@ss/w",
        "Questions In",
    )
    tls = parse_imap_url("imaps://u:p@mail.example.org")
    assert (tls.port, tls.tls, tls.mailbox) == (993, True, "INBOX")
    assert parse_imap_url("imap://u:p@127.0.0.1:10143/INBOX").port == 10143


def test_password_never_shown() -> None:
    target = parse_imap_url("imaps://u:hunter2@h/INBOX")
    assert "hunter2" not in repr(target)
    assert "hunter2" not in target.display
    assert "hunter2" not in target.ledger_name


@pytest.mark.parametrize(
    "url",
    [
        "pop3://u:p@h/INBOX",
        "imap://h/INBOX",
        "imap://u@h/INBOX",
        "imap://u:hunter2@h:port/INBOX",
        "imap:///x",
    ],
)
def test_bad_urls_are_refused_without_echoing_them(url: str) -> None:
    with pytest.raises(SettingsError) as err:
        parse_imap_url(url)
    assert "hunter2" not in str(err.value)


def test_settings_read_the_imap_variables() -> None:
    env = {"CONSULTANT_HOME": "/tmp/x", "CONSULTANT_IMAP_URL": "imap://u:p@h/INBOX"}
    s = Settings.from_env(env)
    assert (s.imap_url, s.imap_processed_folder, s.imap_rejected_folder) == (
        "imap://u:p@h/INBOX",
        "Processed",
        "Rejected",
    )
    assert s.imap_poll_seconds == 30
    assert Settings.from_env({**env, "CONSULTANT_IMAP_POLL_SECONDS": "120"}).imap_poll_seconds == 120
    flag_mode = Settings.from_env({**env, "CONSULTANT_IMAP_PROCESSED_FOLDER": ""})
    assert flag_mode.imap_processed_folder is None
    assert Settings.from_env({"CONSULTANT_HOME": "/tmp/x"}).imap_url is None


def test_spool_key_is_deterministic_and_names_the_message() -> None:
    when = datetime(2026, 11, 25, 10, 0, 0)
    key = spool_key("u@h/INBOX", 7, 42, when)
    assert key == spool_key("u@h/INBOX", 7, 42, when)
    others = {
        spool_key("u@h/INBOX", 8, 42, when),
        spool_key("u@h/INBOX", 7, 43, when),
        spool_key("u@h/Other", 7, 42, when),
    }
    assert key not in others and len(others) == 3
    # Maildir names start with the arrival time, so the spool keeps arrival order.
    assert key.split(".", 1)[0] == str(int(when.timestamp()))
    assert "/" not in key and ":" not in key


def test_batches_are_bounded_in_count_and_bytes_and_never_empty() -> None:
    many = [Waiting(uid, 10, None) for uid in range(1, BATCH_MESSAGES * 2 + 2)]
    assert [len(b) for b in batches(many)] == [BATCH_MESSAGES, BATCH_MESSAGES, 1]
    big = [Waiting(1, BATCH_BYTES - 5, None), Waiting(2, 10, None), Waiting(3, BATCH_BYTES * 2, None)]
    assert [[m.uid for m in b] for b in batches(big)] == [[1], [2], [3]]
    assert list(batches([])) == []


def test_backoff_doubles_and_is_capped() -> None:
    assert backoff_delay(0) == timedelta(0)
    assert [backoff_delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert backoff_delay(30) == timedelta(minutes=5)


def test_summary_line() -> None:
    assert PollResult(fetched=2, skipped=1).summary() == "fetched 2, skipped 1, rejected 0, errors 0"
    assert PollResult(errors=1, error="OSError: x").summary().endswith("errors 1: OSError: x")
    assert PollResult(not_polled="busy").summary() == "not polled: busy"
