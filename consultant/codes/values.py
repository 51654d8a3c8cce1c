"""Values passed between code detection, code facts and the draft. Plain, frozen, JSON-friendly."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FoundCode:
    """A code found in a question's text, checked against the loaded release."""

    system: str  # icd10cm | icd10pcs | hcpcs | cpt
    code: str  # canonical display form: E11.22, 0FT44ZZ, J1100, 99214
    text: str = ""  # as the sender wrote it
    modifiers: tuple[str, ...] = ()
    units: int | None = None
    ambiguous: tuple[str, ...] = ()  # other systems in which the same string is also a valid code

    @property
    def page(self) -> str:
        """The code page this code costs: one view per system+code."""
        return f"{self.system}:{self.code}"


@dataclass(frozen=True)
class MueFact:
    setting: str
    value: int
    adjudication_indicator: str
    rationale: str = ""


@dataclass(frozen=True)
class CodeFact:
    """Everything the draft tells the coder (and, within quota, the asker) about one code."""

    system: str
    code: str
    descriptor: str
    release: str
    billable: bool = True
    short_descriptor: str = ""
    plain_description: str | None = None
    # Tabular notes by kind: includes, inclusion_terms, excludes1, excludes2, code_first,
    # use_additional_code, code_also, seven_chr (list of "A: initial encounter" …)
    notes: dict[str, list[str]] = field(default_factory=dict)
    modifiers: tuple[str, ...] = ()
    units: int | None = None
    ambiguous: tuple[str, ...] = ()
    mue: MueFact | None = None

    @property
    def page(self) -> str:
        return f"{self.system}:{self.code}"


@dataclass(frozen=True)
class PairEdit:
    """An NCCI procedure-to-procedure edit between two codes asked about together."""

    setting: str  # practitioner | hospital
    column1: str
    column2: str
    modifier_indicator: str  # 0 | 1 | 9
    meaning: str
    rationale: str
    effective_from: str  # ISO date
    effective_to: str | None = None


@dataclass(frozen=True)
class SearchHit:
    system: str
    code: str
    descriptor: str
    score: float = 0.0


@dataclass(frozen=True)
class CodeFacts:
    codes: tuple[CodeFact, ...] = ()
    edits: tuple[PairEdit, ...] = ()
    hints: tuple[str, ...] = ()  # Excludes1 conflicts, "use additional code" reminders …
    candidates: tuple[SearchHit, ...] = ()  # for questions that name no code
