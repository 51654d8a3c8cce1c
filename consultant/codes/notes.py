"""Tabular notes as a coder reads them: a code's own notes, then those written above it, labelled.

Pure functions over plain values; `db_service` fetches the rows and calls these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consultant.codes.dictionary import bare

# Notes that apply to everything below the code or grouping that carries them.
INHERITED_KINDS = (
    "includes",
    "excludes1",
    "excludes2",
    "code_first",
    "use_additional_code",
    "code_also",
    "notes",
    "seven_chr_note",
)


@dataclass(frozen=True)
class Level:
    """One step up the tabular list: the code itself, its category, section or chapter."""

    label: str  # "E11", "E08-E13", "Chapter 4"
    notes: dict[str, list[str]]


def merged_notes(levels: list[Level]) -> dict[str, list[str]]:
    """levels[0] is the code itself (its notes unlabelled); the rest are its ancestors, nearest first,
    whose notes are prefixed "(at E11)". 7th characters come from the nearest level that defines them."""
    if not levels:
        return {}
    merged: dict[str, list[str]] = {k: list(v) for k, v in levels[0].notes.items()}
    for level in levels[1:]:
        for kind in INHERITED_KINDS:
            for text in level.notes.get(kind, []):
                merged.setdefault(kind, []).append(f"(at {level.label}) {text}")
        if "seven_chr" not in merged and level.notes.get("seven_chr"):
            merged["seven_chr"] = list(level.notes["seven_chr"])
    return merged


@dataclass(frozen=True)
class CodeRef:
    """A code named in a note: one code or category (E10.-, Z79.4) or a range (N18.1-N18.6)."""

    first: str  # bare, upper case
    last: str = ""

    def covers(self, code: str) -> bool:
        key = bare(code)
        if not self.last:
            return key.startswith(self.first)
        width = max(len(self.first), len(self.last))
        head = key[:width]
        return self.first <= head <= self.last.ljust(width, "Z") or key.startswith(self.last)


_CODE = r"[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{0,4})?"
_REF = re.compile(rf"(?<![\w.])({_CODE})(?:-?\s*[-–]\s*({_CODE}))?(?:\.?-)?(?![\w])")


def code_refs(text: str) -> list[CodeRef]:
    """Codes and ranges named in a note's text: "(N18.1-N18.6)", "(E10.-)", "(I12.-, I13.-)"."""
    refs: list[CodeRef] = []
    for first, last in _REF.findall(text):
        refs.append(CodeRef(bare(first).rstrip("-"), bare(last).rstrip("-") if last else ""))
    return refs


_INHERITED_LABEL = re.compile(r"^\(at [^)]*\)\s*")


def covering_note(notes: list[str], code: str) -> str | None:
    """The first note that names `code` (itself, its category or a range holding it)."""
    for text in notes:
        # An inherited note is labelled with where it comes from, "(at S72) …": that label names the
        # asked code's own category, not a code the note is about.
        if any(ref.covers(code) for ref in code_refs(_INHERITED_LABEL.sub("", text, count=1))):
            return text
    return None


def diagnosis_hints(notes_by_code: dict[str, dict[str, list[str]]]) -> list[str]:
    """Excludes1 conflicts between diagnosis codes asked about together, and the "use additional code" /
    "code first" instructions of each, saying when another code asked about answers them."""
    hints: list[str] = []
    codes = list(notes_by_code)
    for code, notes in notes_by_code.items():
        others = [c for c in codes if c != code]
        for other in others:
            hit = covering_note(notes.get("excludes1", []), other)
            if hit is not None:
                hints.append(
                    f"Excludes1 conflict: {code} and {other} are not coded together "
                    f"(Excludes1 note of {code}: {hit})"
                )
        for kind, label in (("use_additional_code", "use additional code"), ("code_first", "code first")):
            texts = notes.get(kind, [])
            if not texts:
                continue
            named = [o for o in others if covering_note(texts, o) is not None]
            answered = f" — {', '.join(named)} asked about answers this" if named else ""
            hints.append(f"{code}: {label}: {'; '.join(texts)}{answered}")
    return hints
