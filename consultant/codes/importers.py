"""`codes import KIND FILE…`: which parser reads which file, and how its release is named and dated."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from consultant.codes import cpt, hcpcs, icd10cm_xml, ncci, order_file
from consultant.codes.files import SourceFile, WrongFile, first_line, fiscal_year, read_source, year_in
from consultant.codes.records import CodeRow
from consultant.codes.store import (
    ImportOutcome,
    Progress,
    ReleaseSpec,
    Writer,
    code_writer,
    no_progress,
    store_release,
)
from consultant.codes.writers import mue_writer, plain_writer, ptp_writer


@dataclass(frozen=True)
class ImportRequest:
    kind: str
    paths: tuple[Path, ...]
    release: str | None = None  # release name; default from the file
    effective: date | None = None  # first date of service; default from the file
    setting: str | None = None  # NCCI: practitioner | hospital; MUE: practitioner | outpatient | dme


@dataclass(frozen=True)
class ParsedRelease:
    system: str  # release system: icd10cm, hcpcs, cpt, cpt-modifier, ncci-practitioner, mue-dme …
    name: str
    effective_from: date
    effective_to: date | None
    writer: Writer


Parser = Callable[[list[SourceFile], ImportRequest], ParsedRelease]


@dataclass(frozen=True)
class Kind:
    name: str
    help: str
    member: Callable[[str], bool]  # which zip member holds the data
    parse: Parser
    many_files: bool = False  # NCCI PTP comes in several parts a quarter


def _one(sources: list[SourceFile], kind: str) -> SourceFile:
    if len(sources) != 1:
        raise WrongFile(f"{kind} takes one file, got {len(sources)}")
    return sources[0]


def _needs(what: str) -> WrongFile:
    return WrongFile(f"cannot tell the {what} from the file name; give --release and --effective")


# -- ICD-10-CM / PCS ---------------------------------------------------------------------------------


def _fy_release(
    system: str, year: int | None, request: ImportRequest, rows: Sequence[CodeRow]
) -> ParsedRelease:
    named_year = re.fullmatch(r"FY(20\d\d)", request.release or "", re.IGNORECASE)
    year = year or (int(named_year.group(1)) if named_year else None)
    if year is None:
        if request.release is None or request.effective is None:
            raise _needs("fiscal year")
        return ParsedRelease(system, request.release, request.effective, None, code_writer(rows))
    start, end = fiscal_year(year)
    return ParsedRelease(
        system, request.release or f"FY{year}", request.effective or start, end, code_writer(rows)
    )


def parse_icd10cm_xml(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    src = _one(sources, request.kind)
    try:
        version, rows = icd10cm_xml.parse_tabular_xml(src.data)
    except icd10cm_xml.NotIcd10cmXml as exc:
        raise WrongFile(
            f"this is not the ICD-10-CM tabular XML: line 1 has {first_line(src.data)!r}"
        ) from exc
    year = int(version) if version.isdigit() else year_in(src.name)
    return _fy_release("icd10cm", year, request, rows)


def _order_parser(system: str) -> Parser:
    def parse(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
        src = _one(sources, request.kind)
        try:
            rows = order_file.parse_order_file(src.data, system)
        except order_file.NotOrderFile as exc:
            raise WrongFile(str(exc)) from exc
        return _fy_release(system, year_in(src.name), request, rows)

    return parse


# -- HCPCS Level II ----------------------------------------------------------------------------------

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


def parse_hcpcs(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    src = _one(sources, request.kind)
    try:
        rows = hcpcs.parse_hcpcs(src.data)
    except hcpcs.NotHcpcsFile as exc:
        raise WrongFile(f"this is not an HCPCS Level II file: line 1 has {first_line(src.data)!r}") from exc
    named = hcpcs_release_name(src.name)
    if named is None and (request.release is None or request.effective is None):
        raise _needs("HCPCS release")
    name, start = named or (str(request.release), request.effective or date.min)
    # A quarterly file is in force until the next one is loaded: no end date.
    return ParsedRelease(
        "hcpcs", request.release or name, request.effective or start, None, code_writer(rows)
    )


# -- CPT (operator's licensed AMA files) --------------------------------------------------------------


def _cpt_year_release(
    system: str, year: int | None, src: SourceFile, request: ImportRequest, writer: Writer
) -> ParsedRelease:
    year = year or year_in(src.name) or year_in(request.release or "")
    if request.release and request.effective:
        return ParsedRelease(system, request.release, request.effective, None, writer)
    if year is None:
        raise WrongFile("cannot tell the CPT year from the file; give --release and --effective")
    # CPT changes every January 1 (with quarterly Category III and PLA additions).
    start, end = date(year, 1, 1), date(year, 12, 31)
    return ParsedRelease(system, request.release or str(year), request.effective or start, end, writer)


def parse_cpt_long(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    src = _one(sources, request.kind)
    try:
        year, rows = cpt.parse_long_descriptors(src.data)
    except cpt.NotCptFile as exc:
        raise WrongFile(str(exc)) from exc
    return _cpt_year_release("cpt", year, src, request, code_writer(rows))


def _descriptor_parser(source: str, read: Callable[[bytes], list[cpt.Descriptor]]) -> Parser:
    def parse(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
        src = _one(sources, request.kind)
        try:
            descriptors = read(src.data)
        except cpt.NotCptFile as exc:
            raise WrongFile(str(exc)) from exc
        return _cpt_year_release(f"cpt-{source}", None, src, request, plain_writer(descriptors, source))

    return parse


def parse_cpt_modifiers(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    src = _one(sources, request.kind)
    try:
        rows = cpt.parse_modifiers(src.data)
    except cpt.NotCptFile as exc:
        raise WrongFile(str(exc)) from exc
    preamble, _ = cpt.strip_preamble(cpt.decode(src.data))
    return _cpt_year_release("cpt-modifier", cpt.cpt_year(preamble), src, request, code_writer(rows))


# -- NCCI PTP and MUE ---------------------------------------------------------------------------------

_PTP_NAME = re.compile(r"cci(pra|oph)-?v(\d{3})r(\d+)", re.IGNORECASE)
PTP_SETTINGS = {"pra": "practitioner", "oph": "hospital"}
# NCCI versions advance one a quarter: v321 took effect 2026-04-01, so v(321+n) starts n quarters later.
_PTP_ANCHOR_VERSION, _PTP_ANCHOR_QUARTER = 321, 2026 * 4 + 1


def ptp_version(file_name: str) -> tuple[str, str, date] | None:
    """ccipra-v322r0-f1.txt -> ("practitioner", "v322r0", 2026-07-01)."""
    found = _PTP_NAME.search(file_name)
    if not found:
        return None
    version = int(found.group(2))
    quarter = _PTP_ANCHOR_QUARTER + version - _PTP_ANCHOR_VERSION
    start = date(quarter // 4, (quarter % 4) * 3 + 1, 1)
    return PTP_SETTINGS[found.group(1).lower()], f"v{found.group(2)}r{found.group(3)}", start


def parse_ptp(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    for src in sources:  # refuse a wrong part before anything is written
        try:
            ncci.check_ptp_preamble(src.data)
        except ncci.NotEditFile as exc:
            raise WrongFile(f"{src.name}: {exc}") from exc
    named = ptp_version(sources[0].name)
    setting = request.setting or (named[0] if named else None)
    if setting not in ("practitioner", "hospital"):
        raise WrongFile("give --setting practitioner or --setting hospital (the file name does not say)")
    if named is None and (request.release is None or request.effective is None):
        raise _needs("NCCI version")
    name = request.release or (named[1] if named else "")
    start = request.effective or (named[2] if named else date.min)
    # CMS splits a quarter's edits into parts by column 1 code, so a pair is deduplicated within its part.
    parts = [_ptp_part(src) for src in sources]
    expected = sum(src.data.count(b"\n") for src in sources)
    return ParsedRelease(f"ncci-{setting}", name, start, None, ptp_writer(parts, setting, expected))


def _ptp_part(src: SourceFile) -> Callable[[], list[ncci.PtpRow]]:
    def read() -> list[ncci.PtpRow]:
        try:
            return ncci.parse_ptp(src.data)
        except ncci.NotEditFile as exc:
            raise WrongFile(f"{src.name}: {exc}") from exc

    return read


_MUE_NAME = re.compile(
    r"MUE_(Practitioner|OutpatientHospital|DMESupplier)\w*?_Eff_(\d\d)-(\d\d)-(20\d\d)", re.IGNORECASE
)
MUE_SETTINGS = {"practitioner": "practitioner", "outpatienthospital": "outpatient", "dmesupplier": "dme"}


def mue_version(file_name: str) -> tuple[str, date] | None:
    """MCR_MUE_PractitionerServices_Eff_07-01-2024.csv -> ("practitioner", 2024-07-01)."""
    found = _MUE_NAME.search(file_name)
    if not found:
        return None
    month, day, year = int(found.group(2)), int(found.group(3)), int(found.group(4))
    return MUE_SETTINGS[found.group(1).lower()], date(year, month, day)


def parse_mue(sources: list[SourceFile], request: ImportRequest) -> ParsedRelease:
    src = _one(sources, request.kind)
    try:
        rows = ncci.parse_mue(src.data)
    except ncci.NotEditFile as exc:
        raise WrongFile(str(exc)) from exc
    named = mue_version(src.name)
    setting = request.setting or (named[0] if named else None)
    if setting not in ("practitioner", "outpatient", "dme"):
        raise WrongFile("give --setting practitioner, outpatient or dme (the file name does not say)")
    if named is None and (request.release is None or request.effective is None):
        raise _needs("MUE quarter")
    start = request.effective or (named[1] if named else date.min)
    return ParsedRelease(
        f"mue-{setting}", request.release or start.isoformat(), start, None, mue_writer(rows, setting)
    )


# -- the registry -------------------------------------------------------------------------------------


def _named(*fragments: str, ext: str = ".txt") -> Callable[[str], bool]:
    def accept(name: str) -> bool:
        low = name.lower()
        return low.endswith(ext) and any(f in low for f in fragments)

    return accept


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("icd10cm-xml", "ICD-10-CM tabular XML", _named("tabular", ext=".xml"), parse_icd10cm_xml),
        Kind(
            "icd10cm-order",
            "ICD-10-CM order file (icd10cm_order_YYYY.txt)",
            _named("icd10cm_order", "icd10cm-order"),
            _order_parser("icd10cm"),
        ),
        Kind(
            "icd10pcs",
            "ICD-10-PCS order file (icd10pcs_order_YYYY.txt)",
            _named("icd10pcs_order", "icd10pcs-order"),
            _order_parser("icd10pcs"),
        ),
        Kind("hcpcs", "HCPCS Level II file (HCPCyyyy[_MON]_ANWEB*.txt)", _named("anweb"), parse_hcpcs),
        Kind("cpt-long", "AMA CPT long descriptors (LONGULT.txt)", _named("longult"), parse_cpt_long),
        Kind(
            "cpt-consumer",
            "AMA consumer-friendly descriptors",
            _named("consumer"),
            _descriptor_parser("consumer", cpt.parse_consumer_descriptors),
        ),
        Kind(
            "cpt-clinician",
            "AMA clinician descriptors",
            _named("clinician"),
            _descriptor_parser("clinician", cpt.parse_clinician_descriptors),
        ),
        Kind("cpt-modifiers", "AMA CPT modifiers (MODUL.txt)", _named("modul"), parse_cpt_modifiers),
        Kind(
            "ncci-ptp",
            "NCCI PTP edits, one or more parts (ccipra-/ccioph-vNNNrN-fN)",
            _named("cci"),
            parse_ptp,
            many_files=True,
        ),
        Kind("mue", "MUE table CSV (MCR_MUE_*_Eff_MM-DD-YYYY.csv)", _named("mue", ext=".csv"), parse_mue),
    )
}


def _combined(sources: list[SourceFile]) -> tuple[str, str]:
    if len(sources) == 1:
        return sources[0].name, sources[0].sha256
    digest = hashlib.sha256("".join(sorted(s.sha256 for s in sources)).encode()).hexdigest()
    return ", ".join(s.name for s in sources), digest


SEARCHED_RELEASES = ("icd10cm", "icd10pcs", "hcpcs", "cpt")


def refresh_search_index(sessions: sessionmaker[Session]) -> None:
    """Bring the full-text search index up to date with the code table after a release is loaded."""
    from consultant.codes.search import rebuild_search_index

    with sessions.begin() as session:
        rebuild_search_index(session)


def run_import(
    sessions: sessionmaker[Session],
    request: ImportRequest,
    progress: Progress = no_progress,
    *,
    index: bool = True,
) -> ImportOutcome:
    """Read, parse and store one release, then refresh the search index (unless `index` is False, for a
    caller loading several). Raises WrongFile (one line) or ReleaseConflict."""
    kind = KINDS.get(request.kind)
    if kind is None:
        raise WrongFile(f"unknown kind {request.kind!r}; one of: {', '.join(KINDS)}")
    if not request.paths or (len(request.paths) > 1 and not kind.many_files):
        raise WrongFile(f"{request.kind} takes one file")
    sources = [read_source(path, kind.member) for path in request.paths]
    parsed = kind.parse(sources, request)
    name, digest = _combined(sources)
    spec = ReleaseSpec(
        system=parsed.system,
        name=parsed.name,
        effective_from=parsed.effective_from,
        effective_to=parsed.effective_to,
        source_file=name[:1000],
        source_sha256=digest,
    )
    outcome = store_release(sessions, spec, parsed.writer, progress)
    if index and not outcome.already_loaded and parsed.system in SEARCHED_RELEASES:
        refresh_search_index(sessions)
    return outcome
