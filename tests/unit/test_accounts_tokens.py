"""Registration tokens: genuine ones read back their address; forged, re-targeted and expired ones don't."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from consultant.accounts.registration import (
    RegistrationTokenError,
    make_token,
    read_token,
    registration_url,
)

SECRET = "test-secret-0123456789"


def test_a_genuine_token_carries_its_address() -> None:
    token = make_token(SECRET, "Ann <Ann@Example.org>")
    assert read_token(SECRET, token) == "ann@example.org"
    url = registration_url("https://cc.example/", SECRET, "ann@example.org")
    assert url.startswith("https://cc.example/register/") and read_token(SECRET, url.rsplit("/", 1)[1])


def test_a_token_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(RegistrationTokenError, match="not valid") as info:
        read_token(SECRET, make_token("someone-elses-secret", "ann@example.org"))
    assert not info.value.expired


def test_a_tampered_token_cannot_be_pointed_at_another_address() -> None:
    token = make_token(SECRET, "ann@example.org")
    _payload, rest = token.split(".", 1)
    other_payload = make_token(SECRET, "mallory@example.org").split(".", 1)[0]
    for forged in (
        other_payload + "." + rest,
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "x",
    ):
        with pytest.raises(RegistrationTokenError):
            read_token(SECRET, forged)


def test_a_token_for_another_purpose_is_refused() -> None:
    # same secret, different salt (e.g. a session or API token): must not register anyone
    other = URLSafeTimedSerializer(SECRET, salt="consultant.api").dumps({"address": "ann@example.org"})
    with pytest.raises(RegistrationTokenError):
        read_token(SECRET, other)


def test_an_expired_token_is_refused_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    real = time.time()
    monkeypatch.setattr(time, "time", lambda: real - 15 * 86400)
    token = make_token(SECRET, "ann@example.org")
    monkeypatch.setattr(time, "time", lambda: real)
    with pytest.raises(RegistrationTokenError, match="expired") as info:
        read_token(SECRET, token)  # default max age: 14 days
    assert info.value.expired
    assert read_token(SECRET, token, max_age=16 * 86400) == "ann@example.org"
