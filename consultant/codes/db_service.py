"""The CodeService over the database: detection against the cached dictionary, facts from the tables."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from consultant.codes.dictionary import CodeDictionary, load_dictionary, releases_on
from consultant.codes.notes import Level, diagnosis_hints, merged_notes
from consultant.codes.values import CodeFact, CodeFacts, FoundCode, MueFact, PairEdit, SearchHit
from consultant.models.codes import Code, CodeRelease, Mue, NcciEdit, PlainDescription

PROCEDURE_SYSTEMS = ("cpt", "hcpcs")
DIAGNOSIS_SYSTEMS = ("icd10cm",)
# The release system that holds each code system's codes (modifiers come with HCPCS and CPT).
RELEASE_SYSTEM = {"icd10cm": "icd10cm", "icd10pcs": "icd10pcs", "hcpcs": "hcpcs", "cpt": "cpt"}
NCCI_SETTINGS = ("practitioner", "hospital")
MUE_SETTINGS = ("practitioner", "outpatient", "dme")

MODIFIER_INDICATOR_MEANING = {
    "0": "not allowed: no modifier lets the column 2 code be paid with the column 1 code",
    "1": "allowed with an NCCI-associated modifier (59, XE, XS, XP, XU …) on the column 2 code "
    "when the services are distinct",
    "9": "not applicable: the edit was deleted retroactively and has no effect",
}


class DbCodeService:
    """Implements consultant.codes.service.CodeService."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], CodeDictionary] | None = None

    # -- the dictionary, cached until a release is imported or the date moves ---------------------

    def dictionary(self, on: date) -> CodeDictionary:
        with self._sessions() as session:
            key: tuple[object, ...] = (on, *sorted(r.id for r in releases_on(session, on)))
            cached = self._cached
            if cached is not None and cached[0] == key:
                return cached[1]
            with self._lock:
                built = load_dictionary(session, on)
                self._cached = (key, built)
                return built

    # -- CodeService -------------------------------------------------------------------------------

    def find(self, text: str, on: date) -> list[FoundCode]:
        try:
            from consultant.codes.detect import detect
        except ImportError:  # detection not installed yet: no codes rather than a crash
            return []
        return list(detect(text, self.dictionary(on)))

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        try:
            from consultant.codes.search import search
        except ImportError:
            return []
        with self._sessions() as session:
            return list(search(session, query, limit))

    def facts(self, found: list[FoundCode], on: date) -> CodeFacts:
        if not found:
            return CodeFacts()
        with self._sessions() as session:
            releases = {r.system: r for r in releases_on(session, on)}
            codes = tuple(self._code_fact(session, f, releases, on) for f in found)
            procedures = [f.code for f in found if f.system in PROCEDURE_SYSTEMS]
            edits = tuple(pair_edits(session, procedures, on))
            notes = {c.code: c.notes for c in codes if c.system in DIAGNOSIS_SYSTEMS}
            hints = [*diagnosis_hints(notes), *modifier_hints(session, found, releases)]
        return CodeFacts(codes=codes, edits=edits, hints=tuple(hints))

    def _code_fact(
        self, session: Session, found: FoundCode, releases: dict[str, CodeRelease], on: date
    ) -> CodeFact:
        release = releases.get(RELEASE_SYSTEM.get(found.system, found.system))
        row = code_row(session, release, found.system, found.code)
        if row is None or release is None:
            return CodeFact(
                system=found.system,
                code=found.code,
                descriptor="",
                release=release.name if release else "",
                modifiers=found.modifiers,
                units=found.units,
                ambiguous=found.ambiguous,
            )
        notes = merged_notes(tabular_levels(session, row))
        texts = plain_texts(session, found.system, row.code)
        if texts.get("clinician"):
            notes["clinician_descriptors"] = texts["clinician"].split("\n")
        billable = row.billable
        if row.effective_to is not None and row.effective_to < on:
            billable = False
            notes.setdefault("status", []).append(f"Terminated {row.effective_to.isoformat()}")
        return CodeFact(
            system=found.system,
            code=row.code,
            descriptor=row.descriptor,
            release=release.name,
            billable=billable,
            short_descriptor=row.short_descriptor,
            plain_description=texts.get("coder") or texts.get("consumer"),
            notes=notes,
            modifiers=found.modifiers,
            units=found.units,
            ambiguous=found.ambiguous,
            mue=mue_for(session, row.code, on) if found.system in PROCEDURE_SYSTEMS else None,
        )


def code_row(session: Session, release: CodeRelease | None, system: str, code: str) -> Code | None:
    if release is None:
        return None
    return session.scalars(
        select(Code).where(Code.release_id == release.id, Code.system == system, Code.code == code)
    ).first()


def tabular_levels(session: Session, row: Code) -> list[Level]:
    """The code and its ancestors up to the chapter, nearest first, each with its own notes."""
    levels = [Level(row.code, json.loads(row.notes_json or "{}"))]
    parent, seen = row.parent, {row.code}
    while parent and parent not in seen:
        seen.add(parent)
        up = session.scalars(
            select(Code).where(Code.release_id == row.release_id, Code.code == parent)
        ).first()
        if up is None:
            break
        label = {"chapter": f"Chapter {up.code.removeprefix('ch')}", "section": up.code}.get(up.kind, up.code)
        levels.append(Level(label, json.loads(up.notes_json or "{}")))
        parent = up.parent
    return levels


def plain_texts(session: Session, system: str, code: str) -> dict[str, str]:
    """Plain-language texts by source: "coder" (a coder's own wording, preferred as the plain description),
    "consumer" (AMA consumer-friendly descriptor), "clinician" (AMA clinician descriptors, one a line)."""
    return {
        p.source: p.text
        for p in session.scalars(
            select(PlainDescription).where(PlainDescription.system == system, PlainDescription.code == code)
        )
    }


def latest_release_ids(session: Session, systems: Iterable[str], on: date) -> list[int]:
    return [r.id for r in releases_on(session, on, systems)]


def mue_for(session: Session, code: str, on: date) -> MueFact | None:
    """The MUE for a code from the latest MUE table of each setting, practitioner first."""
    for setting in MUE_SETTINGS:
        ids = latest_release_ids(session, [f"mue-{setting}"], on)
        if not ids:
            continue
        row = session.scalars(select(Mue).where(Mue.release_id.in_(ids), Mue.code == code)).first()
        if row is not None:
            return MueFact(row.setting, row.value, row.adjudication_indicator, row.rationale)
    return None


def pair_edits(session: Session, codes: list[str], on: date) -> list[PairEdit]:
    """NCCI PTP edits in force on `on` between any two of the procedure codes, both orders, each setting."""
    unique = list(dict.fromkeys(codes))
    if len(unique) < 2:
        return []
    ids = latest_release_ids(session, [f"ncci-{s}" for s in NCCI_SETTINGS], on)
    if not ids:
        return []
    rows = session.scalars(
        select(NcciEdit)
        .where(
            NcciEdit.release_id.in_(ids),
            NcciEdit.column1.in_(unique),
            NcciEdit.column2.in_(unique),
            NcciEdit.effective_from <= on,
            or_(NcciEdit.effective_to.is_(None), NcciEdit.effective_to >= on),
        )
        .order_by(NcciEdit.setting.desc(), NcciEdit.column1, NcciEdit.column2)
    )
    return [
        PairEdit(
            setting=r.setting,
            column1=r.column1,
            column2=r.column2,
            modifier_indicator=r.modifier_indicator,
            meaning=MODIFIER_INDICATOR_MEANING.get(r.modifier_indicator, "unknown indicator"),
            rationale=r.rationale,
            effective_from=r.effective_from.isoformat(),
            effective_to=r.effective_to.isoformat() if r.effective_to else None,
        )
        for r in rows
        if r.column1 != r.column2
    ]


def modifier_hints(session: Session, found: list[FoundCode], releases: dict[str, CodeRelease]) -> list[str]:
    """What each modifier attached to a code means, from the HCPCS and CPT modifier lists."""
    wanted = list(dict.fromkeys(m for f in found for m in f.modifiers))
    if not wanted:
        return []
    ids = [r.id for s, r in releases.items() if s in ("hcpcs", "cpt-modifier")]
    rows = session.scalars(
        select(Code).where(Code.release_id.in_(ids), Code.system == "modifier", Code.code.in_(wanted))
    )
    meaning = {r.code: r.descriptor for r in rows}
    return [f"Modifier {m}: {meaning[m]}" for m in wanted if m in meaning]
