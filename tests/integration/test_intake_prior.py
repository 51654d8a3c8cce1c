"""Intake finds a file's own record and the mail it duplicates in one query; its own record must win."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultant.app import App
from consultant.intake.pipeline import drain_spool

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures"


def test_a_duplicate_seen_again_is_its_own_record_not_a_new_duplicate(loaded_app: App) -> None:
    raw = (FIXTURES / "eml" / "plain_question.eml").read_bytes()
    loaded_app.spool.deliver(raw)
    second = loaded_app.spool.deliver(raw)
    first, dup = drain_spool(loaded_app)
    assert (first.state, dup.state) == ("drafted", "duplicate")
    assert dup.reason == f"duplicate of inbound message #{first.inbound_id}"
    # A crash after the commit but before the move leaves the duplicate's file in new/ again.
    (loaded_app.spool.cur / f"{second}:2,S").rename(loaded_app.spool.new / second)
    [again] = drain_spool(loaded_app)
    assert again.already_recorded
    assert (again.inbound_id, again.state, again.reason) == (dup.inbound_id, dup.state, dup.reason)
