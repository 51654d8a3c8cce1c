"""The CodeService over the database: detection against the cached dictionary, facts from the tables."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, cast

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session, sessionmaker

from consultant.codes.dictionary import (
    CODE_RELEASE_SYSTEMS,
    CodeDictionary,
    load_dictionary,
    release_stamp,
    releases_on,
)
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


@dataclass(frozen=True)
class ReleaseRef:
    """What facts need of a release, detached from any session (shared by threads through the caches)."""

    id: int
    system: str
    name: str


# Every release system facts may consult: the code sets, the MUE tables and the NCCI edit tables.
FACT_RELEASE_SYSTEMS = (
    *CODE_RELEASE_SYSTEMS,
    *(f"mue-{s}" for s in MUE_SETTINGS),
    *(f"ncci-{s}" for s in NCCI_SETTINGS),
)
FACTS_CACHE_SIZE = 4096


class _Lru:
    """A small thread-safe LRU. Keys carry the release stamp, so an entry filled from an older snapshot
    of the code tables is never returned once a release has been imported."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            value = self._items.get(key, _MISSING)
            if value is not _MISSING:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_MISSING = object()


class _OnDemand:
    """A read session opened on first use: a call answered from the caches opens none."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._session: Session | None = None

    def __call__(self) -> Session:
        if self._session is None:
            self._session = self._sessions()
        return self._session

    def __enter__(self) -> _OnDemand:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._session is not None:
            self._session.close()


class DbCodeService:
    """Implements consultant.codes.service.CodeService.

    The code tables change only when a release is imported (by this process or another one, e.g. the
    `consultant codes import` command while the worker runs). Each call asks for the release stamp (one
    small query) and serves the dictionary, the releases in force and each code's facts from memory while
    the stamp is unchanged; an import changes the stamp, and the next call reads the tables afresh."""

    def __init__(self, sessions: sessionmaker[Session], cache_size: int = FACTS_CACHE_SIZE) -> None:
        self._sessions = sessions
        # The stamp is read on a bare connection: a session costs three times the query itself.
        self._engine: Engine | None = sessions.kw.get("bind")
        self._lock = threading.Lock()
        self._cached: tuple[tuple[object, ...], CodeDictionary] | None = None
        self._stamp: tuple[object, ...] | None = None
        self._cache = _Lru(cache_size)

    def _current_stamp(self) -> tuple[object, ...]:
        if self._engine is not None:
            with self._engine.connect() as conn:
                stamp = release_stamp(conn)
        else:
            with self._sessions() as session:
                stamp = release_stamp(session)
        if stamp != self._stamp:  # a release was imported: drop what the older tables said
            with self._lock:
                if stamp != self._stamp:
                    self._cache.clear()
                    self._stamp = stamp
        return stamp

    def _releases(self, session: _OnDemand, stamp: tuple[object, ...], on: date) -> dict[str, ReleaseRef]:
        key = ("releases", stamp, on)
        cached = self._cache.get(key)
        if cached is _MISSING:
            cached = {
                r.system: ReleaseRef(r.id, r.system, r.name)
                for r in releases_on(session(), on, FACT_RELEASE_SYSTEMS)
            }
            self._cache.put(key, cached)
        return cast(dict[str, ReleaseRef], cached)

    # -- the dictionary, cached until a release is imported or the date moves ---------------------

    def dictionary(self, on: date) -> CodeDictionary:
        # The stamp is read before the tables: an import committed in between is then read already and
        # is only read again (never missed) when the next call sees the new stamp.
        key: tuple[object, ...] = (on, *self._current_stamp())
        cached = self._cached
        if cached is not None and cached[0] == key:
            return cached[1]
        with self._lock:
            cached = self._cached  # another thread may have built it while this one waited
            if cached is not None and cached[0] == key:
                return cached[1]
            with self._sessions() as session:
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
        stamp = self._current_stamp()
        with _OnDemand(self._sessions) as session:  # opened only if something is not cached
            releases = self._releases(session, stamp, on)
            codes = tuple(self._code_fact(session, stamp, f, releases, on) for f in found)
            procedures = [f.code for f in found if f.system in PROCEDURE_SYSTEMS]
            edits = self._pair_edits(session, stamp, procedures, releases, on)
            notes = {c.code: c.notes for c in codes if c.system in DIAGNOSIS_SYSTEMS}
            hints = [*diagnosis_hints(notes), *self._modifier_hints(session, stamp, found, releases)]
        return CodeFacts(codes=codes, edits=edits, hints=tuple(hints))

    def _code_fact(
        self,
        session: _OnDemand,
        stamp: tuple[object, ...],
        found: FoundCode,
        releases: dict[str, ReleaseRef],
        on: date,
    ) -> CodeFact:
        key = ("code", stamp, on, found.system, found.code)
        base = self._cache.get(key)
        if base is _MISSING:
            base = code_fact(session(), found.system, found.code, releases, on)
            self._cache.put(key, base)
        # What the sender wrote beside the code is theirs, not the table's; the notes are copied so that
        # no caller can change the cached fact.
        return replace(
            cast(CodeFact, base),
            notes={kind: list(texts) for kind, texts in cast(CodeFact, base).notes.items()},
            modifiers=found.modifiers,
            units=found.units,
            ambiguous=found.ambiguous,
        )

    def _pair_edits(
        self,
        session: _OnDemand,
        stamp: tuple[object, ...],
        procedures: list[str],
        releases: dict[str, ReleaseRef],
        on: date,
    ) -> tuple[PairEdit, ...]:
        unique = list(dict.fromkeys(procedures))
        if len(unique) < 2:
            return ()
        key = ("edits", stamp, on, frozenset(unique))
        edits = self._cache.get(key)
        if edits is _MISSING:
            ids = [releases[f"ncci-{s}"].id for s in NCCI_SETTINGS if f"ncci-{s}" in releases]
            edits = tuple(pair_edits_in(session(), unique, ids, on))
            self._cache.put(key, edits)
        return cast(tuple[PairEdit, ...], edits)

    def _modifier_hints(
        self,
        session: _OnDemand,
        stamp: tuple[object, ...],
        found: list[FoundCode],
        releases: dict[str, ReleaseRef],
    ) -> list[str]:
        wanted = tuple(dict.fromkeys(m for f in found for m in f.modifiers))
        if not wanted:
            return []
        key = ("modifiers", stamp, wanted, tuple(sorted(r.id for r in releases.values())))
        hints = self._cache.get(key)
        if hints is _MISSING:
            hints = modifier_hints(session(), found, releases)
            self._cache.put(key, hints)
        return list(cast(list[str], hints))


def code_fact(
    session: Session, system: str, code: str, releases: Mapping[str, ReleaseRef], on: date
) -> CodeFact:
    """A code's facts from the tables, without what the sender wrote beside it (modifiers, units)."""
    if system == "modifier":
        return modifier_fact(session, code, releases)
    release = releases.get(RELEASE_SYSTEM.get(system, system))
    row = code_row(session, release, system, code)
    if row is None or release is None:
        return CodeFact(system=system, code=code, descriptor="", release=release.name if release else "")
    notes = merged_notes(tabular_levels(session, row))
    texts = plain_texts(session, system, row.code)
    if texts.get("clinician"):
        notes["clinician_descriptors"] = texts["clinician"].split("\n")
    billable = row.billable
    if row.effective_to is not None and row.effective_to < on:
        billable = False
        notes.setdefault("status", []).append(f"Terminated {row.effective_to.isoformat()}")
    return CodeFact(
        system=system,
        code=row.code,
        descriptor=row.descriptor,
        release=release.name,
        billable=billable,
        short_descriptor=row.short_descriptor,
        plain_description=texts.get("coder") or texts.get("consumer"),
        notes=notes,
        mue=mue_in(session, row.code, releases) if system in PROCEDURE_SYSTEMS else None,
    )


def modifier_fact(session: Session, code: str, releases: Mapping[str, ReleaseRef]) -> CodeFact:
    """A modifier named on its own: its meaning from the CPT modifier list (MODUL), else HCPCS Level II."""
    for source in ("cpt-modifier", "hcpcs"):
        release = releases.get(source)
        row = code_row(session, release, "modifier", code)
        if row is not None and release is not None:
            return CodeFact(
                system="modifier",
                code=code,
                descriptor=row.descriptor,
                release=release.name,
                short_descriptor=row.short_descriptor,
            )
    return CodeFact(system="modifier", code=code, descriptor="", release="")


def code_row(
    session: Session, release: CodeRelease | ReleaseRef | None, system: str, code: str
) -> Code | None:
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


def mue_in(session: Session, code: str, releases: Mapping[str, ReleaseRef]) -> MueFact | None:
    """`mue_for` with the releases in force already chosen."""
    for setting in MUE_SETTINGS:
        release = releases.get(f"mue-{setting}")
        if release is None:
            continue
        row = session.scalars(select(Mue).where(Mue.release_id == release.id, Mue.code == code)).first()
        if row is not None:
            return MueFact(row.setting, row.value, row.adjudication_indicator, row.rationale)
    return None


def pair_edits(session: Session, codes: list[str], on: date) -> list[PairEdit]:
    """NCCI PTP edits in force on `on` between any two of the procedure codes, both orders, each setting."""
    unique = list(dict.fromkeys(codes))
    if len(unique) < 2:
        return []
    return pair_edits_in(
        session, unique, latest_release_ids(session, [f"ncci-{s}" for s in NCCI_SETTINGS], on), on
    )


def pair_edits_in(session: Session, unique: list[str], ids: list[int], on: date) -> list[PairEdit]:
    """`pair_edits` with the NCCI releases in force already chosen."""
    if len(unique) < 2 or not ids:
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


def modifier_hints(
    session: Session, found: list[FoundCode], releases: Mapping[str, CodeRelease | ReleaseRef]
) -> list[str]:
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
