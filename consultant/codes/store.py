"""Writing a release and its codes to the database. A release is never overwritten: a newer file is a
new release, and the same file twice (same SHA-256) is recognised and skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence, Sized
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from consultant.codes.records import CodeRow
from consultant.models.codes import Code, CodeRelease

CHUNK = 5000

Progress = Callable[[int, int], None]  # (rows done, rows in all)


def no_progress(done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class ReleaseSpec:
    system: str  # the release's system: icd10cm, icd10pcs, hcpcs, cpt, cpt-modifier, ncci-practitioner, …
    name: str  # FY2026, 2020-annual, v322r0 …
    effective_from: date
    effective_to: date | None
    source_file: str
    source_sha256: str


@dataclass(frozen=True)
class ImportOutcome:
    system: str
    name: str
    release_id: int
    rows: int
    already_loaded: bool = False

    def summary(self) -> str:
        if self.already_loaded:
            return f"{self.system} {self.name}: already loaded (same file), nothing to do"
        return f"{self.system} {self.name}: {self.rows:,} rows imported"


class ReleaseConflict(ValueError):
    """A release of that name exists, loaded from a different file."""


def existing_release(session: Session, spec: ReleaseSpec) -> CodeRelease | None:
    """The release this file was already loaded as, if any; a name clash with another file is an error."""
    same_file = session.scalars(
        select(CodeRelease).where(
            CodeRelease.system == spec.system, CodeRelease.source_sha256 == spec.source_sha256
        )
    ).first()
    if same_file is not None:
        return same_file
    same_name = session.scalars(
        select(CodeRelease).where(CodeRelease.system == spec.system, CodeRelease.name == spec.name)
    ).first()
    if same_name is not None:
        raise ReleaseConflict(
            f"{spec.system} release {spec.name} is already loaded from another file "
            f"({same_name.source_file}); give this one another name with --release"
        )
    return None


def new_release(session: Session, spec: ReleaseSpec) -> CodeRelease:
    release = CodeRelease(
        system=spec.system,
        name=spec.name,
        effective_from=spec.effective_from,
        effective_to=spec.effective_to,
        source_file=spec.source_file,
        source_sha256=spec.source_sha256,
    )
    session.add(release)
    session.flush()
    return release


def bulk_insert(
    session: Session,
    model: Any,
    rows: Iterable[dict[str, Any]],
    progress: Progress,
    *,
    total: int | None = None,
    done: int = 0,
) -> int:
    """Insert rows in chunks through Core executemany (the ORM's per-row bookkeeping is not needed here).
    `rows` may be a generator, so a large file is never held as dicts all at once. Returns rows done."""
    table = model.__table__
    expected = total if total is not None else (len(rows) if isinstance(rows, Sized) else 0)
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        session.execute(insert(table), chunk)
        done += len(chunk)
        progress(done, max(expected, done))
    progress(done, max(expected, done))
    return done


# Writes one release's rows; returns the count to record on the release (codes, edits, descriptors).
Writer = Callable[[Session, CodeRelease, Progress], int]


def store_release(
    sessions: sessionmaker[Session], spec: ReleaseSpec, writer: Writer, progress: Progress = no_progress
) -> ImportOutcome:
    """Insert one release and its rows in a single transaction (all or nothing)."""
    try:
        with sessions.begin() as session:
            found = existing_release(session, spec)
            if found is not None:
                return _already(found)
            release = new_release(session, spec)
            release.code_count = writer(session, release, progress)
            return ImportOutcome(spec.system, spec.name, release.id, release.code_count)
    except IntegrityError:
        # Another process (web and worker starting together on PostgreSQL) loaded it first.
        with sessions() as session:
            found = existing_release(session, spec)
            if found is None:
                raise
            return _already(found)


def _already(found: CodeRelease) -> ImportOutcome:
    return ImportOutcome(found.system, found.name, found.id, found.code_count, already_loaded=True)


def code_writer(rows: Sequence[CodeRow]) -> Writer:
    def write(session: Session, release: CodeRelease, progress: Progress) -> int:
        bulk_insert(session, Code, [r.as_insert(release.id) for r in rows], progress)
        return sum(1 for r in rows if r.kind in ("code", "modifier"))

    return write


def store_codes(
    sessions: sessionmaker[Session],
    spec: ReleaseSpec,
    rows: Sequence[CodeRow],
    progress: Progress = no_progress,
) -> ImportOutcome:
    return store_release(sessions, spec, code_writer(rows), progress)
