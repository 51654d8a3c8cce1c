"""What a draft tells the coder and, within the quota, the asker: plain data, stored as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any

from consultant.codes.values import CodeFacts, FoundCode
from consultant.quota.rules import Allocation


@dataclass(frozen=True)
class QuotaView:
    plan: str
    plan_title: str
    allowance: int
    remaining: int
    shown: int
    withheld: int
    unverified: bool = False
    consultation_limit: bool = False  # the plan's consultations for the month were used up


@dataclass(frozen=True)
class DraftFacts:
    date_of_service: str
    found: list[dict[str, Any]]
    codes: list[dict[str, Any]]  # CodeFact fields + "shown": bool
    edits: list[dict[str, Any]]
    hints: list[str]
    candidates: list[dict[str, Any]]
    quota: QuotaView
    withheld: list[str] = field(default_factory=list)  # code pages over quota

    def to_json(self) -> str:
        # The fields are plain lists and dicts already; only dataclasses (the quota) need converting, so
        # json does that as it meets them rather than asdict() deep-copying everything first.
        shallow = {f.name: getattr(self, f.name) for f in fields(self)}
        return json.dumps(shallow, sort_keys=True, default=_plain)


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def build_facts(
    found: list[FoundCode],
    facts: CodeFacts,
    allocation: Allocation,
    quota: QuotaView,
    on: date,
) -> DraftFacts:
    shown = set(allocation.shown)
    codes = [{**asdict(c), "shown": c.page in shown} for c in facts.codes]
    shown_codes = {c["code"] for c in codes if c["shown"]}
    # An edit between two codes is shown only when the asker may see both codes.
    edits = [
        {**asdict(e), "shown": e.column1 in shown_codes and e.column2 in shown_codes} for e in facts.edits
    ]
    return DraftFacts(
        date_of_service=on.isoformat(),
        found=[asdict(f) for f in found],
        codes=codes,
        edits=edits,
        hints=list(facts.hints),
        candidates=[asdict(c) for c in facts.candidates],
        quota=quota,
        withheld=list(allocation.withheld),
    )


def load_facts(raw: str) -> dict[str, Any]:
    """Facts as stored on a draft (a dict; old drafts may lack newer keys)."""
    data: dict[str, Any] = json.loads(raw or "{}")
    data.setdefault("codes", [])
    data.setdefault("edits", [])
    data.setdefault("hints", [])
    data.setdefault("candidates", [])
    data.setdefault("withheld", [])
    data.setdefault("quota", {})
    return data
