"""Passwords, API tokens and CSRF tokens: the pieces of sign-in that need no server."""

from __future__ import annotations

import pytest

from consultant.web.csrf import tokens_match
from consultant.web.passwords import WeakPassword, check_strength, hash_password, verify_password
from consultant.web.tokens import issue_token, read_token


def test_argon2_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")
    assert not verify_password("not a hash", "x")
    assert hash_password("same") != hash_password("same")  # salted


def test_short_passwords_are_refused() -> None:
    with pytest.raises(WeakPassword):
        check_strength("short")
    check_strength("ten chars!")


def test_api_tokens_are_signed_and_expire() -> None:
    token = issue_token("secret-a", 42)
    assert read_token("secret-a", token) == 42
    assert read_token("secret-b", token) is None  # another key
    assert read_token("secret-a", token[:-2] + "xx") is None  # tampered
    assert read_token("secret-a", token, max_age=-1) is None  # expired


def test_csrf_tokens_must_be_present_and_equal() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abc", "abd")
    assert not tokens_match("abc", None)
    assert not tokens_match(None, None)
    assert not tokens_match("", "")
