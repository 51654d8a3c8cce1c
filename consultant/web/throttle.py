"""Sign-in throttling: after a few wrong passwords for one address, or many from one client, wait a while.

In memory and per process: it slows down guessing against one web process, which is what a single
review desk runs; a deployment with many web processes would keep these counters in a shared store.
A client (IP address) may fail more often than one address before it is stopped, because a whole office
can share one address behind its router.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

MAX_FAILURES = 5  # per address
CLIENT_FACTOR = 4  # a client may fail this many times more
WINDOW_SECONDS = 15 * 60


class SignInThrottle:
    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> int:
        kept = [t for t in self._failures.get(key, []) if now - t < self.window]
        if kept:
            self._failures[key] = kept
        else:
            self._failures.pop(key, None)
        return len(kept)

    def blocked(self, address: str, client: str) -> bool:
        now = self.clock()
        with self._lock:
            return (
                self._recent(f"address:{address}", now) >= self.max_failures
                or self._recent(f"client:{client}", now) >= self.max_failures * CLIENT_FACTOR
            )

    def failed(self, address: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:  # a flood of made-up addresses: forget rather than grow
                self._failures.clear()
            for key in (f"address:{address}", f"client:{client}"):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(f"address:{address}", None)
