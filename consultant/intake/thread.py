"""Threading: the subject token that ties a reply to its consultation, as pure functions."""

from __future__ import annotations

import re
import secrets

# No 0/O or 1/I: tokens are read aloud and retyped.
TOKEN_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_TOKEN_RE = re.compile(r"\[(CC-[2-9A-HJ-NP-Z]{5})\]", re.I)
_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|vs|antw)\s*(\[\d+\])?\s*:\s*)+", re.I)


def new_token() -> str:
    return "CC-" + "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(5))


def subject_token(subject: str) -> str | None:
    match = _TOKEN_RE.search(subject or "")
    return match.group(1).upper() if match else None


def base_subject(subject: str) -> str:
    """The subject without reply prefixes and our token: what the consultation is called."""
    without_token = _TOKEN_RE.sub("", subject or "")
    return " ".join(_REPLY_PREFIX.sub("", without_token).split()) or "(no subject)"


def reply_subject(subject: str, token: str) -> str:
    return f"Re: {base_subject(subject)} [{token}]"
