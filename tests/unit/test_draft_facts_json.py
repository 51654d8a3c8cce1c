"""DraftFacts.to_json skips asdict()'s deep copy (for speed); the JSON must be exactly what it gave."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import pytest

from consultant.codes.values import CodeFact, CodeFacts, FoundCode, MueFact, PairEdit, SearchHit
from consultant.drafts.facts import DraftFacts, QuotaView, build_facts
from consultant.quota.rules import Allocation


def test_to_json_matches_the_deep_copy() -> None:
    found = [
        FoundCode("cpt", "20610", "20610-59", modifiers=("59",), units=2),
        FoundCode("icd10cm", "E11.22"),
    ]
    facts = CodeFacts(
        codes=(
            CodeFact("cpt", "20610", "Arthrocentesis", "2026", mue=MueFact("practitioner", 2, "3"), units=2),
            CodeFact("icd10cm", "E11.22", "Type 2 diabetes", "FY2026", notes={"excludes1": ["E10.-"]}),
        ),
        edits=(PairEdit("practitioner", "20610", "20611", "1", "allowed", "rationale", "2026-01-01"),),
        hints=("Modifier 59: Distinct",),
        candidates=(SearchHit("icd10cm", "E11.9", "Type 2 diabetes without complications", 1.5),),
    )
    allocation = Allocation(
        shown=("cpt:20610",), reserve=("cpt:20610",), withheld=("icd10cm:E11.22",), remaining_after=0
    )
    quota = QuotaView("guest", "Guest", 1, 0, 1, 1)
    draft = build_facts(found, facts, allocation, quota, date(2026, 3, 1))
    assert draft.to_json() == json.dumps(asdict(draft), sort_keys=True)
    assert json.loads(draft.to_json())["quota"]["plan"] == "guest"


def test_to_json_still_refuses_what_json_cannot_hold() -> None:
    odd = DraftFacts("2026-03-01", [], [{"x": object()}], [], [], [], QuotaView("guest", "Guest", 1, 0, 0, 0))
    with pytest.raises(TypeError):
        odd.to_json()
