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
    token = issue_token("secret-a", 42, "stamp1")
    assert read_token("secret-a", token) == (42, "stamp1")
    assert read_token("secret-b", token) is None  # another key
    assert read_token("secret-a", token[:-2] + "xx") is None  # tampered
    assert read_token("secret-a", token, max_age=-1) is None  # expired


def test_csrf_tokens_must_be_present_and_equal() -> None:
    assert tokens_match("abc", "abc")
    assert not tokens_match("abc", "abd")
    assert not tokens_match("abc", None)
    assert not tokens_match(None, None)
    assert not tokens_match("", "")


def test_sign_in_throttle_blocks_after_repeated_failures_then_forgets() -> None:
    from consultant.web.throttle import CLIENT_FACTOR, SignInThrottle

    now = [0.0]
    throttle = SignInThrottle(max_failures=3, window=60, clock=lambda: now[0])
    for _ in range(2):
        throttle.failed("a", "10.0.0.1")
    assert not throttle.blocked("a", "10.0.0.1")
    throttle.failed("a", "10.0.0.1")
    assert throttle.blocked("a", "10.0.0.2")  # the address is blocked from anywhere
    assert not throttle.blocked("b", "10.0.0.1")  # a shared office address is not, yet
    for n in range(3 * CLIENT_FACTOR - 3):
        throttle.failed(f"guess{n}", "10.0.0.1")
    assert throttle.blocked("b", "10.0.0.1")  # many addresses tried from one client
    assert not throttle.blocked("b", "10.0.0.2")
    now[0] = 61.0
    assert not throttle.blocked("a", "10.0.0.1")
    throttle.failed("c", "10.0.0.3")
    throttle.succeeded("c")
    assert "address:c" not in throttle._failures
