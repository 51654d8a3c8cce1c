"""Retry policy for outgoing mail, as arithmetic."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 10


def next_attempt(now: datetime, attempts: int) -> datetime:
    """1 min, 2, 4, … capped at 6 h."""
    return now + timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def gives_up(attempts: int) -> bool:
    return attempts >= MAX_ATTEMPTS
