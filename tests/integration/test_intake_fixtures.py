"""Every .eml fixture ends in the recorded state written beside it, and one bad message never stops the next."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from consultant.app import App
from consultant.codes.values import FoundCode
from consultant.drafts.facts import load_facts
from consultant.intake.pipeline import Outcome, drain_spool
from consultant.models import Draft, InboundMessage, Question
from tests.conftest import FIXTURES

EML = sorted((FIXTURES / "eml").glob("*.eml"))


@pytest.mark.parametrize("path", EML, ids=[p.stem for p in EML])
def test_fixture_outcome(loaded_app: App, path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text())
    loaded_app.spool.deliver(path.read_bytes())
    [outcome] = drain_spool(loaded_app)
    assert outcome.state == expected["state"], outcome.reason
    assert outcome.reason.startswith(expected["reason"]), outcome.reason
    with loaded_app.sessions() as session:
        row = session.get_one(InboundMessage, outcome.inbound_id)
        assert (row.state, row.reason) == (outcome.state, outcome.reason)
        if outcome.draft_id is None:
            assert session.scalars(select(Draft)).first() is None
            return
        draft = session.get_one(Draft, outcome.draft_id)
        question = session.get_one(Question, draft.question_id)
    found = [c["code"] for c in load_facts(draft.facts_json)["codes"]]
    for code in expected.get("codes", []):
        assert code in found
    for text in expected.get("content_contains", []):
        assert text in draft.content
    for text in expected.get("content_lacks", []):
        assert text not in draft.content
    for text in expected.get("question_lacks", []):
        assert text not in question.text
    # The spool file moved on only after the commit: nothing is left waiting.
    assert loaded_app.spool.keys() == []


def test_all_fixtures_in_one_pass_each_recorded_once(loaded_app: App) -> None:
    for path in EML:
        loaded_app.spool.deliver(path.read_bytes())
    outcomes = drain_spool(loaded_app)
    assert len(outcomes) == len(EML)
    with loaded_app.sessions() as session:
        rows = session.scalars(select(InboundMessage)).all()
    assert len(rows) == len(EML)
    assert all(r.state != "received" for r in rows)
    assert loaded_app.spool.keys() == []
    quarantined = {
        p.name.split(":")[0] for p in loaded_app.quarantine.new.iterdir() if not p.name.startswith(".")
    }
    assert len(quarantined) == sum(o.state == "quarantined" for o in outcomes)


def test_same_mail_twice_gives_one_draft(loaded_app: App) -> None:
    raw = (FIXTURES / "eml" / "plain_question.eml").read_bytes()
    loaded_app.spool.deliver(raw)
    loaded_app.spool.deliver(raw)
    # The same question again through another path: other headers prepended, same Message-ID and sender.
    loaded_app.drop.deliver(b"Received: from relay.example.test\r\n" + raw)
    outcomes = drain_spool(loaded_app, drop_settle_seconds=0)
    assert [o.state for o in outcomes] == ["drafted", "duplicate", "duplicate"]
    with loaded_app.sessions() as session:
        assert len(session.scalars(select(Draft)).all()) == 1


def test_rerunning_intake_changes_nothing(loaded_app: App) -> None:
    raw = (FIXTURES / "eml" / "plain_question.eml").read_bytes()
    key = loaded_app.spool.deliver(raw)
    drain_spool(loaded_app)
    # A crash after the commit but before the move would leave the file in new/: simulate it.
    (loaded_app.spool.cur / f"{key}:2,S").rename(loaded_app.spool.new / key)
    [again] = drain_spool(loaded_app)
    assert again.already_recorded and again.state == "drafted"
    with loaded_app.sessions() as session:
        assert len(session.scalars(select(Draft)).all()) == 1
        assert len(session.scalars(select(InboundMessage)).all()) == 1


def test_oversize_mail_is_quarantined_without_parsing(loaded_app: App) -> None:
    limit = loaded_app.settings.max_message_bytes
    raw = b"From: big@example.test\r\nSubject: huge\r\nMessage-ID: <big@x>\r\n\r\n" + b"A" * (limit + 1)
    loaded_app.spool.deliver(raw)
    [outcome] = drain_spool(loaded_app)
    assert outcome.state == "quarantined" and outcome.reason.startswith("oversize")


def test_an_internal_failure_is_recorded_and_the_next_message_goes_on(
    loaded_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    import consultant.intake.pipeline as pipeline

    real = pipeline.process_message
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("simulated crash in a stage")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "process_message", flaky)
    loaded_app.spool.deliver((FIXTURES / "eml" / "plain_question.eml").read_bytes())
    loaded_app.spool.deliver((FIXTURES / "eml" / "unknown_charset.eml").read_bytes())
    outcomes = drain_spool(loaded_app)
    assert [o.state for o in outcomes] == ["quarantined", "drafted"]
    assert "internal error" in outcomes[0].reason


def test_a_modifier_named_alone_is_free(loaded_app: App) -> None:
    raw = (
        b"From: kim@example-infusion.test\r\nSubject: Modifier\r\nMessage-ID: <mod-1@example.test>\r\n\r\n"
        b"Do I need modifier LT here, and is E11.22 right?\r\n"
    )
    loaded_app.spool.deliver(raw)
    [outcome] = drain_spool(loaded_app)
    with loaded_app.sessions() as session:
        facts = load_facts(session.get_one(Draft, outcome.draft_id).facts_json)
    shown = {c["code"]: c["shown"] for c in facts["codes"]}
    assert shown == {"LT": True, "E11.22": True}  # a guest's single view went to E11.22; LT cost nothing


def test_a_modifier_named_alone_is_described(loaded_app: App) -> None:
    facts = loaded_app.codes.facts([FoundCode("modifier", "LT")], loaded_app.clock().date())
    [lt] = facts.codes
    assert lt.descriptor.lower().startswith("left side")
    assert lt.release  # the HCPCS release it came from


def test_a_guests_single_view_goes_to_the_billable_code(loaded_app: App) -> None:
    raw = (
        b"From: sam@example-ortho.test\r\nSubject: 7th character\r\nMessage-ID: <s72@example.test>\r\n\r\n"
        b"Routine healing after ORIF, S72.001. Is it S72.001D?\r\n"
    )
    loaded_app.spool.deliver(raw)
    [outcome] = drain_spool(loaded_app)
    with loaded_app.sessions() as session:
        facts = load_facts(session.get_one(Draft, outcome.draft_id).facts_json)
    assert {c["code"]: c["shown"] for c in facts["codes"]} == {"S72.001": False, "S72.001D": True}
    assert not any("Excludes1 conflict" in h for h in facts["hints"])  # the "(at S72)" label is no conflict


def test_a_new_consultation_over_the_monthly_limit_is_held_and_reserves_nothing(loaded_app: App) -> None:
    from consultant.models import Account, QuotaEntry
    from consultant.quota.plans import parse_plans

    loaded_app.plans = parse_plans(
        "[plans.guest]\nlifetime_views = 1\n[plans.free]\nlifetime_views = 6\n"
        "[plans.pro]\nmonthly_views = 100\nmonthly_consultations = 1\n"
    )

    def ask(subject: str, body: str, extra: str = "") -> Outcome:
        raw = (
            f"From: pro@example-clinic.test\r\nSubject: {subject}\r\nMessage-ID: <{subject.replace(' ', '-')}@x>\r\n"
            f"{extra}\r\n{body}\r\n"
        ).encode()
        loaded_app.spool.deliver(raw)
        [outcome] = drain_spool(loaded_app)
        return outcome

    first = ask("First", "Is E11.22 right?")
    with loaded_app.sessions() as session, session.begin():
        session.get_one(Account, session.get_one(Draft, first.draft_id).account_id).plan = "pro"
    second = ask("Second", "And N18.31?")
    follow_up = ask("Follow-up", "One more on E11.22, please.", "In-Reply-To: <First@x>\r\n")
    assert first.state == "drafted"
    assert second.state == "held" and "monthly consultation limit reached" in second.reason
    assert follow_up.state == "drafted"  # a follow-up never counts against the limit
    with loaded_app.sessions() as session:
        held = session.get_one(Draft, second.draft_id)
        assert "HELD: monthly consultation limit reached" in held.content
        assert session.query(QuotaEntry).filter_by(draft_id=held.id).count() == 0
