"""The notice rate limit's query is built once with an escaped LIKE pattern; it must answer exactly as
`startswith(..., autoescape=True)` did — "_" in "over_quota" is a literal, not a wildcard."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consultant.accounts.notify import NOTICE, last_notice_at
from consultant.app import App
from consultant.models import OutboundMessage

pytestmark = pytest.mark.integration

ADDR = "ann@practice.test"
WHO = hashlib.sha256(ADDR.encode()).hexdigest()[:12]


def _old_query(s: Session, kind: str) -> datetime | None:
    return s.scalar(
        select(func.max(OutboundMessage.created_at)).where(
            OutboundMessage.kind == NOTICE,
            OutboundMessage.to_address == ADDR,
            OutboundMessage.message_id.startswith(f"<notice-{kind}-{WHO}-", autoescape=True),
        )
    )


def test_rate_query_matches_the_autoescaped_startswith(app: App) -> None:
    rows = [
        ("<notice-over_quota-{who}-1@x>", datetime(2026, 3, 1)),
        ("<notice-overXquota-{who}-2@x>", datetime(2026, 3, 5)),  # matches only if "_" were a wildcard
        ("<notice-acknowledgement-{who}-3@x>", datetime(2026, 3, 2)),
        ("<notice-acknowledgement-{who}-4@x>", datetime(2026, 3, 3)),
    ]
    with app.sessions.begin() as s:
        for mid, at in rows:
            s.add(
                OutboundMessage(
                    kind=NOTICE, to_address=ADDR, message_id=mid.format(who=WHO), raw=b"", created_at=at
                )
            )
    with app.sessions() as s:
        for kind in ("over_quota", "acknowledgement", "registration", "overXquota"):
            assert last_notice_at(s, kind, ADDR) == _old_query(s, kind), kind
        assert last_notice_at(s, "over_quota", ADDR) == datetime(2026, 3, 1)
        assert last_notice_at(s, "over%", ADDR) is None
