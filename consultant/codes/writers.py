"""Writers for the tables beside `code`: NCCI PTP edits, MUE values, plain-language descriptors."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete
from sqlalchemy.orm import Session

from consultant.codes.cpt import Descriptor
from consultant.codes.ncci import MueRow, PtpRow
from consultant.codes.store import CHUNK, Progress, Writer, bulk_insert
from consultant.db.base import utcnow
from consultant.models.codes import CodeRelease, Mue, NcciEdit, PlainDescription


def ptp_writer(parts: Sequence[Callable[[], Sequence[PtpRow]]], setting: str, expected: int = 0) -> Writer:
    """PTP files run to millions of rows: each part is parsed only when its turn comes and its rows are
    turned into insert dicts a chunk at a time, so one part at most is in memory."""

    def write(session: Session, release: CodeRelease, progress: Progress) -> int:
        done = 0
        for read in parts:
            rows = read()
            values = (
                {
                    "release_id": release.id,
                    "setting": setting,
                    "release": release.name,
                    "column1": r.column1,
                    "column2": r.column2,
                    "effective_from": r.effective_from,
                    "effective_to": r.effective_to,
                    "modifier_indicator": r.modifier_indicator,
                    "rationale": r.rationale,
                }
                for r in rows
            )
            done = bulk_insert(session, NcciEdit, values, progress, total=expected, done=done)
            del rows
        return done

    return write


def mue_writer(rows: Sequence[MueRow], setting: str) -> Writer:
    def write(session: Session, release: CodeRelease, progress: Progress) -> int:
        values = [
            {
                "release_id": release.id,
                "setting": setting,
                "release": release.name,
                "code": r.code,
                "value": r.value,
                "adjudication_indicator": r.adjudication_indicator,
                "rationale": r.rationale,
            }
            for r in rows
        ]
        bulk_insert(session, Mue, values, progress)
        return len(values)

    return write


def plain_writer(descriptors: Sequence[Descriptor], source: str, system: str = "cpt") -> Writer:
    """AMA descriptors replace the earlier ones of the same source; a coder's own wording is never touched."""

    def write(session: Session, release: CodeRelease, progress: Progress) -> int:
        codes = [d.code for d in descriptors]
        for start in range(0, len(codes), CHUNK):
            session.execute(
                delete(PlainDescription).where(
                    PlainDescription.system == system,
                    PlainDescription.source == source,
                    PlainDescription.code.in_(codes[start : start + CHUNK]),
                )
            )
        now = utcnow()
        values = [
            {"system": system, "code": d.code, "source": source, "text": d.text, "updated_at": now}
            for d in descriptors
        ]
        bulk_insert(session, PlainDescription, values, progress)
        return len(values)

    return write
