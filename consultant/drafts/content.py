"""The draft body a coder reads, rendered from templates/draft/."""

from __future__ import annotations

from dataclasses import asdict

from consultant.drafts.facts import DraftFacts
from consultant.rendering import render

SYSTEM_NAMES = {
    "icd10cm": "ICD-10-CM",
    "icd10pcs": "ICD-10-PCS",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT",
    "modifier": "modifier",
}

NOTE_TITLES = {
    "includes": "Includes",
    "inclusion_terms": "Inclusion terms",
    "excludes1": "Excludes1 (never together)",
    "excludes2": "Excludes2 (not included here; both may be coded)",
    "code_first": "Code first",
    "use_additional_code": "Use additional code",
    "code_also": "Code also",
    "seven_chr": "7th characters",
    "seven_chr_note": "7th character note",
    "notes": "Notes",
}


def render_draft(
    *,
    draft_id: int,
    token: str,
    sender: str,
    question: str,
    facts: DraftFacts,
    unverified_reason: str = "",
    held_reason: str = "",
) -> str:
    # The facts are already plain lists and dicts (only the quota is a dataclass); the templates only
    # read them, so they are passed as they are rather than deep-copied through asdict().
    return render(
        "draft/draft.txt",
        draft_id=draft_id,
        token=token,
        sender=sender,
        question=question,
        codes=facts.codes,
        edits=facts.edits,
        hints=facts.hints,
        candidates=facts.candidates,
        withheld=facts.withheld,
        quota=asdict(facts.quota),
        unverified=bool(unverified_reason),
        unverified_reason=unverified_reason,
        held_reason=held_reason,
        systems=SYSTEM_NAMES,
        note_titles=NOTE_TITLES,
    )
