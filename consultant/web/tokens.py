"""API bearer tokens: a coder id signed with the app's secret (itsdangerous), valid for a limited time.
A token names its coder and the password it was issued under (a stamp, see deps.password_stamp), so a
password change revokes it; the coder's current role and active flag are checked on every request."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_SALT = "consultant.api-token"
TOKEN_MAX_AGE = 12 * 3600


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT)


def issue_token(secret: str, coder_id: int, stamp: str = "") -> str:
    return _serializer(secret).dumps({"coder": coder_id, "stamp": stamp})


def read_token(secret: str, token: str, max_age: int = TOKEN_MAX_AGE) -> tuple[int, str] | None:
    """(coder id, password stamp) from a genuine, unexpired token; None otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    coder, stamp = data.get("coder"), data.get("stamp", "")
    return (coder, stamp) if isinstance(coder, int) and isinstance(stamp, str) else None
