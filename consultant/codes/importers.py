"""`codes import KIND FILE`: which parser reads which file, and how its release is named and dated."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from consultant.codes import hcpcs, icd10cm_xml, order_file
from consultant.codes.files import SourceFile, WrongFile, first_line, fiscal_year, read_source, year_in
from consultant.codes.records import CodeRow
from consultant.codes.store import ImportOutcome, Progress, ReleaseSpec, no_progress, store_codes


@dataclass(frozen=True)
class ImportRequest:
    kind: str
    paths: tuple[Path, ...]
    release: str | None = None  # release name; default from the file
    effective: date | None = None  # first date of service; default from the file
    setting: str | None = None  # NCCI/MUE: practitioner | hospital | outpatient | dme


@dataclass(frozen=True)
class ParsedRelease:
    system: str
    name: str
    effective_from: date
    effective_to: date | None
    rows: Sequence[CodeRow]


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    member: Callable[[str], bool]  # which zip member holds the data
    parse: Callable[[SourceFile, ImportRequest], ParsedRelease]


def _fy_release(
    system: str, year: int | None, request: ImportRequest, rows: Sequence[CodeRow]
) -> ParsedRelease:
    if year is None and (request.release is None or request.effective is None):
        raise WrongFile("cannot tell the fiscal year from the file; give --release and --effective")
    start, end = fiscal_year(year) if year else (request.effective, None)
    assert start is not None
    effective_from = request.effective or start
    # A release given an explicit start that differs from its fiscal year (the April update) ends with it.
    return ParsedRelease(system, request.release or f"FY{year}", effective_from, end, rows)


def parse_icd10cm_xml(src: SourceFile, request: ImportRequest) -> ParsedRelease:
    try:
        version, rows = icd10cm_xml.parse_tabular_xml(src.data)
    except icd10cm_xml.NotIcd10cmXml as exc:
        raise WrongFile(
            f"this is not the ICD-10-CM tabular XML: line 1 has {first_line(src.data)!r}"
        ) from exc
    year = int(version) if version.isdigit() else year_in(src.name)
    return _fy_release("icd10cm", year, request, rows)


def parse_icd10cm_order(src: SourceFile, request: ImportRequest) -> ParsedRelease:
    try:
        rows = order_file.parse_order_file(src.data, "icd10cm")
    except order_file.NotOrderFile as exc:
        raise WrongFile(str(exc)) from exc
    return _fy_release("icd10cm", year_in(src.name), request, rows)


def parse_icd10pcs(src: SourceFile, request: ImportRequest) -> ParsedRelease:
    try:
        rows = order_file.parse_order_file(src.data, "icd10pcs")
    except order_file.NotOrderFile as exc:
        raise WrongFile(str(exc)) from exc
    return _fy_release("icd10pcs", year_in(src.name), request, rows)


MONTHS = {"JAN": 1, "APR": 4, "JUL": 7, "OCT": 10}
_HCPCS_NAME = re.compile(r"HCPC(20\d\d)(?:_?(JAN|APR|JUL|OCT))?", re.IGNORECASE)


def hcpcs_release_name(file_name: str) -> tuple[str, date] | None:
    """HCPC2020_ANWEB… -> ("2020-annual", 2020-01-01); HCPC2026_JAN_ANWEB… -> ("2026-jan", 2026-01-01)."""
    found = _HCPCS_NAME.search(file_name)
    if not found:
        return None
    year, month = int(found.group(1)), (found.group(2) or "").upper()
    if not month:
        return f"{year}-annual", date(year, 1, 1)
    return f"{year}-{month.lower()}", date(year, MONTHS[month], 1)


def parse_hcpcs(src: SourceFile, request: ImportRequest) -> ParsedRelease:
    try:
        rows = hcpcs.parse_hcpcs(src.data)
    except hcpcs.NotHcpcsFile as exc:
        raise WrongFile(f"this is not an HCPCS Level II file: line 1 has {first_line(src.data)!r}") from exc
    named = hcpcs_release_name(src.name)
    if named is None and (request.release is None or request.effective is None):
        raise WrongFile("cannot tell the HCPCS release from the file name; give --release and --effective")
    name, start = named or (str(request.release), request.effective or date.min)
    # A quarterly file is in force until the next one is loaded: no end date.
    return ParsedRelease("hcpcs", request.release or name, request.effective or start, None, rows)


def _is_order_file(system: str) -> Callable[[str], bool]:
    return lambda n: n.lower().startswith(f"{system}_order") or n.lower().startswith(f"{system}-order")


KINDS: dict[str, Kind] = {
    "icd10cm-xml": Kind(
        "icd10cm-xml",
        "ICD-10-CM tabular XML (icd10cm_tabular_YYYY.xml, or the one inside simple-icd-10-cm)",
        lambda n: n.lower().endswith(".xml") and "tabular" in n.lower(),
        parse_icd10cm_xml,
    ),
    "icd10cm-order": Kind(
        "icd10cm-order",
        "ICD-10-CM order file (icd10cm_order_YYYY.txt)",
        _is_order_file("icd10cm"),
        parse_icd10cm_order,
    ),
    "icd10pcs": Kind(
        "icd10pcs",
        "ICD-10-PCS order file (icd10pcs_order_YYYY.txt)",
        _is_order_file("icd10pcs"),
        parse_icd10pcs,
    ),
    "hcpcs": Kind(
        "hcpcs",
        "HCPCS Level II alpha-numeric file (HCPCyyyy[_MON]_ANWEB*.txt)",
        lambda n: n.upper().startswith("HCPC") and n.lower().endswith(".txt") and "ANWEB" in n.upper(),
        parse_hcpcs,
    ),
}


def run_import(
    sessions: sessionmaker[Session], request: ImportRequest, progress: Progress = no_progress
) -> ImportOutcome:
    """Read, parse and store one release. Raises WrongFile (one line) or ReleaseConflict."""
    kind = KINDS.get(request.kind)
    if kind is None:
        raise WrongFile(f"unknown kind {request.kind!r}; one of: {', '.join(KINDS)}")
    if len(request.paths) != 1:
        raise WrongFile(f"{request.kind} takes one file")
    src = read_source(request.paths[0], kind.member)
    parsed = kind.parse(src, request)
    spec = ReleaseSpec(
        system=parsed.system,
        name=parsed.name,
        effective_from=parsed.effective_from,
        effective_to=parsed.effective_to,
        source_file=src.name,
        source_sha256=src.sha256,
    )
    return store_codes(sessions, spec, parsed.rows, progress)
