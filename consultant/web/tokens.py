"""API bearer tokens: a coder id signed with the app's secret (itsdangerous), valid for a limited time.
A token names its coder; the coder's current role and active flag are checked on every request."""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_SALT = "consultant.api-token"
TOKEN_MAX_AGE = 12 * 3600


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=TOKEN_SALT)


def issue_token(secret: str, coder_id: int) -> str:
    return _serializer(secret).dumps({"coder": coder_id})


def read_token(secret: str, token: str, max_age: int = TOKEN_MAX_AGE) -> int | None:
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except BadSignature:
        return None
    coder = data.get("coder") if isinstance(data, dict) else None
    return coder if isinstance(coder, int) else None
