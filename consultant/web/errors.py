"""Exceptions the web layer turns into responses (see `factory.install_error_handlers`)."""

from __future__ import annotations


class SignInRequired(Exception):
    """No signed-in coder: pages redirect to the sign-in form, the API answers 401."""


class Forbidden(Exception):
    """Signed in, but this coder's role may not do this (403)."""


class CsrfFailed(Exception):
    """A state-changing request without the session's CSRF token (403)."""


class NotFound(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what
