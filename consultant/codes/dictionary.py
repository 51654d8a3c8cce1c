"""The codes valid on a date of service, in memory: what detection checks a candidate against.

Keys are the code without a dot, upper case, so `e1122`, `E11.22` and `E1122` all meet `E11.22`.
Immutable once built; one instance is shared by every detection call until a new release is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.orm import Session

from consultant.models.codes import Code, CodeRelease, PlainDescription

# Release systems whose codes detection looks for; modifiers come with the HCPCS and CPT releases.
CODE_RELEASE_SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt", "cpt-modifier")


def bare(code: str) -> str:
    return code.strip().replace(".", "").upper()


@dataclass(frozen=True)
class Entry:
    system: str
    code: str  # canonical display form
    billable: bool


@dataclass(frozen=True)
class CodeDictionary:
    # system -> bare code -> entry
    by_system: Mapping[str, Mapping[str, Entry]] = field(default_factory=dict)
    # bare code -> entries in every system that has it (a dotless A0100 is ICD-10-CM and HCPCS)
    by_key: Mapping[str, tuple[Entry, ...]] = field(default_factory=dict)
    # system -> release name the codes came from, for the facts and the draft
    releases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_entries(
        cls, entries: Iterable[Entry], releases: Mapping[str, str] | None = None
    ) -> CodeDictionary:
        by_system: dict[str, dict[str, Entry]] = {}
        by_key: dict[str, list[Entry]] = {}
        for entry in entries:
            key = bare(entry.code)
            system = by_system.setdefault(entry.system, {})
            if key in system:
                # The same modifier from two lists (P1 is in both the HCPCS file and MODUL.txt): once,
                # billable if either says so.
                if entry.billable and not system[key].billable:
                    system[key] = entry
                    by_key[key] = [entry if e.system == entry.system else e for e in by_key[key]]
                continue
            system[key] = entry
            by_key.setdefault(key, []).append(entry)
        return cls(
            by_system=MappingProxyType({s: MappingProxyType(m) for s, m in by_system.items()}),
            by_key=MappingProxyType({k: tuple(v) for k, v in by_key.items()}),
            releases=MappingProxyType(dict(releases or {})),
        )

    @classmethod
    def from_codes(
        cls,
        codes: Mapping[str, Iterable[str] | Mapping[str, bool]],
        releases: Mapping[str, str] | None = None,
    ) -> CodeDictionary:
        """For tests: {"icd10cm": {"E11.22": True, "E11": False}, "cpt": {"99214", "38242"}} — a plain set
        means every code is billable."""
        entries: list[Entry] = []
        for system, given in codes.items():
            flags = given if isinstance(given, Mapping) else dict.fromkeys(given, True)
            entries.extend(Entry(system, code, bool(billable)) for code, billable in flags.items())
        return cls.from_entries(entries, releases)

    def systems_for(self, code: str) -> tuple[str, ...]:
        """Every system in which this string (dot or no dot, any case) is a code."""
        return tuple(e.system for e in self.by_key.get(bare(code), ()))

    def has(self, system: str, code: str) -> bool:
        return bare(code) in self.by_system.get(system, {})

    def canonical(self, system: str, raw: str) -> str | None:
        entry = self.by_system.get(system, {}).get(bare(raw))
        return entry.code if entry else None

    def is_billable(self, system: str, code: str) -> bool:
        entry = self.by_system.get(system, {}).get(bare(code))
        return bool(entry and entry.billable)

    def size(self, system: str | None = None) -> int:
        if system is not None:
            return len(self.by_system.get(system, {}))
        return sum(len(m) for m in self.by_system.values())


def releases_on(
    session: Session, on: date, systems: Iterable[str] = CODE_RELEASE_SYSTEMS
) -> list[CodeRelease]:
    """For each system, the release for a date of service: the latest one that started on or before it.
    A release past its end date still answers (the status command says it is out of date) rather than
    leaving the question with no codes at all; a date before every release gets the earliest one."""
    wanted = list(systems)
    releases = session.scalars(
        select(CodeRelease)
        .where(CodeRelease.system.in_(wanted))
        .order_by(CodeRelease.effective_from, CodeRelease.id)
    )
    chosen: dict[str, CodeRelease] = {}
    for release in releases:  # oldest first: a later start replaces an earlier one up to `on`
        held = chosen.get(release.system)
        if held is None or release.effective_from <= on:
            chosen[release.system] = release
    return [chosen[s] for s in wanted if s in chosen]


# Built once: building the statement would cost as much as running it, and it runs on every look-up.
_STAMP = select(
    func.count(CodeRelease.id),
    func.max(CodeRelease.id),
    func.max(CodeRelease.imported_at),
    select(func.max(PlainDescription.id)).scalar_subquery(),
)


def release_stamp(db: Session | Connection) -> tuple[object, ...]:
    """A fingerprint of the code tables' contents. Every import, whatever it loads (codes, edits, MUEs,
    plain descriptors), adds a code_release row; a coder's own plain description added outside an import
    is a new plain_description row. So anything cached from the code tables is current exactly while
    this stays the same. Aggregates over a small table and a rowid: cheap enough to ask per call."""
    return tuple(db.execute(_STAMP).one())


def load_dictionary(session: Session, on: date) -> CodeDictionary:
    """Build the dictionary of codes valid on `on` from the releases in the database."""
    releases = releases_on(session, on)
    entries: list[Entry] = []
    names: dict[str, str] = {}
    for release in releases:
        rows = session.execute(
            select(Code.system, Code.code, Code.billable, Code.effective_to).where(
                Code.release_id == release.id,
                Code.kind.in_(("code", "category", "subcategory", "modifier")),
                or_(Code.effective_from.is_(None), Code.effective_from <= on),
            )
        )
        for system, code, billable, effective_to in rows:
            # A terminated HCPCS code is still recognised (a coder may ask about it) but is not billable.
            still_valid = effective_to is None or effective_to >= on
            entries.append(Entry(system, code, bool(billable) and still_valid))
            names.setdefault(system, release.name)
    return CodeDictionary.from_entries(entries, names)
