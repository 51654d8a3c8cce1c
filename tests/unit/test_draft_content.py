from __future__ import annotations

import json
from datetime import date

from consultant.codes.values import CodeFact, CodeFacts, FoundCode, PairEdit
from consultant.drafts.content import render_draft
from consultant.drafts.facts import DraftFacts, QuotaView, build_facts, load_facts
from consultant.quota.rules import Allocation

FOUND = [FoundCode("icd10cm", "E11.22", "E1122"), FoundCode("icd10cm", "N18.31", "N18.31")]
FACTS = CodeFacts(
    codes=(
        CodeFact(
            "icd10cm",
            "E11.22",
            "Type 2 diabetes mellitus with diabetic CKD",
            "FY2026",
            notes={"use_additional_code": ["stage of CKD (N18.1-N18.6)"]},
        ),
        CodeFact("icd10cm", "N18.31", "Chronic kidney disease, stage 3a", "FY2026"),
    ),
    edits=(
        PairEdit("practitioner", "E11.22", "N18.31", "1", "allowed with a modifier", "made up", "2026-01-01"),
    ),
    hints=("N18.31 answers E11.22's use-additional-code note",),
)
GUEST = QuotaView(plan="guest", plan_title="Guest", allowance=1, remaining=0, shown=1, withheld=1)


def _facts() -> DraftFacts:
    allocation = Allocation(
        shown=("icd10cm:E11.22",),
        reserve=("icd10cm:E11.22",),
        withheld=("icd10cm:N18.31",),
        remaining_after=0,
    )
    return build_facts(FOUND, FACTS, allocation, GUEST, date(2026, 3, 1))


def test_only_allocated_codes_are_shown_and_edits_need_both() -> None:
    facts = _facts()
    data = json.loads(facts.to_json())
    assert [(c["code"], c["shown"]) for c in data["codes"]] == [("E11.22", True), ("N18.31", False)]
    assert data["edits"][0]["shown"] is False  # N18.31 is withheld, so the edit between them is too
    assert data["withheld"] == ["icd10cm:N18.31"]
    assert load_facts(facts.to_json())["quota"]["plan"] == "guest"


def test_draft_content_describes_shown_codes_and_states_the_quota() -> None:
    content = render_draft(
        draft_id=7,
        token="CC-7K2F9",
        sender="pat@example.test",
        question="E11.22 with N18.31? {{ 7*7 }}",
        facts=_facts(),
    )
    assert "Type 2 diabetes mellitus with diabetic CKD" in content
    assert "Use additional code:" in content and "stage of CKD (N18.1-N18.6)" in content
    assert "Chronic kidney disease, stage 3a" not in content
    assert "N18.31 — not shown: 0 code page views remaining on the Guest plan." in content
    assert "register for a free account (5 more views)" in content
    assert "{{ 7*7 }}" in content  # the question is data, never a template


def test_unverified_sender_is_flagged() -> None:
    content = render_draft(
        draft_id=1,
        token="CC-7K2F9",
        sender="x@y.test",
        question="?",
        facts=_facts(),
        unverified_reason="DMARC fail",
    )
    assert "UNVERIFIED SENDER: DMARC fail" in content
