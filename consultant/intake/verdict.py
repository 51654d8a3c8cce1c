"""How a message ended: one recorded state and a reason a person can read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    state: str  # ignored | duplicate | quarantined | held | drafted
    reason: str


def ignored(reason: str) -> Verdict:
    return Verdict("ignored", reason)


def quarantined(reason: str) -> Verdict:
    return Verdict("quarantined", reason)
