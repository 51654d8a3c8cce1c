from __future__ import annotations

from datetime import datetime, timedelta

from consultant.outbound.retry import MAX_ATTEMPTS, gives_up, next_attempt


def test_backoff_doubles_and_is_capped() -> None:
    now = datetime(2026, 1, 1)
    gaps = [next_attempt(now, n) - now for n in range(1, 12)]
    assert gaps[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert max(gaps) == timedelta(hours=6)


def test_gives_up_after_max_attempts() -> None:
    assert not gives_up(MAX_ATTEMPTS - 1) and gives_up(MAX_ATTEMPTS)
