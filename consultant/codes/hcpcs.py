"""CMS HCPCS Level II alpha-numeric file (`HCPCyyyy[_MON]_ANWEB*.txt`): fixed 320-byte records, cp1252.

Record id (column 11): 3 procedure first line, 4 its description continuation, 7 modifier first line,
8 its continuation. Continuation lines are cut after column 91, so every line is padded to 320 before
the fixed offsets are read. Some years open with a disclaimer; any line that is not a record is skipped.
Terminated codes stay in the file with their termination date.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from consultant.codes.records import CodeRow

RECORD = 320


class NotHcpcsFile(ValueError):
    """No HCPCS records found."""


@dataclass
class _Record:
    code: str
    modifier: bool
    parts: list[str]
    short: str
    coverage: str
    betos: str
    added: date | None
    terminated: date | None
    action: str
    pricing: str
    xrefs: list[str] = field(default_factory=list)


def _date(text: str) -> date | None:
    text = text.strip()
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


def _is_record(line: str) -> bool:
    return len(line) > 11 and line[10] in "3478" and line[5:10].isdigit()


def _first_line(line: str) -> _Record:
    rec = line.ljust(RECORD)
    modifier = rec[10] == "7"
    xrefs = [rec[i : i + 5].strip() for i in range(204, 229, 5)]
    return _Record(
        code=rec[0:5].strip() if modifier else rec[0:5],
        modifier=modifier,
        parts=[rec[11:91].strip()],
        short=rec[91:119].strip(),
        pricing=rec[119:127].strip(),
        xrefs=[x for x in xrefs if x],
        coverage=rec[229].strip(),
        betos=rec[256:259].strip(),
        added=_date(rec[268:276]),
        terminated=_date(rec[284:292]),
        action=rec[292].strip(),
    )


COVERAGE = {
    "C": "Carrier judgment",
    "D": "Special coverage instructions apply",
    "I": "Not payable by Medicare",
    "M": "Non-covered by Medicare",
    "S": "Non-covered by Medicare statute",
}


def _row(rec: _Record) -> CodeRow:
    notes: dict[str, list[str]] = {}
    if rec.coverage:
        notes["coverage"] = [f"{rec.coverage}: {COVERAGE.get(rec.coverage, 'see the HCPCS file')}"]
    if rec.betos:
        notes["betos"] = [rec.betos]
    if rec.terminated:
        notes["status"] = [f"Terminated {rec.terminated.isoformat()}"]
    return CodeRow(
        system="modifier" if rec.modifier else "hcpcs",
        code=rec.code,
        kind="modifier" if rec.modifier else "code",
        descriptor=" ".join(p for p in rec.parts if p),
        short_descriptor=rec.short,
        billable=True,
        notes_json=json.dumps(notes, separators=(",", ":")) if notes else "{}",
        effective_from=rec.added,
        effective_to=rec.terminated,
    )


def parse_hcpcs(data: bytes) -> list[CodeRow]:
    text = data.decode("cp1252", errors="replace")
    records: list[_Record] = []
    for line in text.splitlines():
        if not _is_record(line):
            continue
        if line[10] in "37":
            records.append(_first_line(line))
        elif records:
            # A continuation belongs to the record just before it (the file keeps them together).
            records[-1].parts.append(line.ljust(RECORD)[11:91].strip())
    if not records:
        raise NotHcpcsFile("no HCPCS records")
    # One row per code; a repeated code (never seen in CMS files) keeps its later record.
    by_key = {(row.system, row.code): row for row in map(_row, records)}
    return list(by_key.values())
