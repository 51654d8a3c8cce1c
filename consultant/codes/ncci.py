"""CMS NCCI procedure-to-procedure (PTP) edits and Medically Unlikely Edits (MUE).

PTP text files (practitioner `ccipra-…`, hospital `ccioph-…`, several parts a quarter): tab-separated,
CRLF, a 6-line preamble (AMA notice, "Column1/Column2 Edits", a header wrapped over 4 lines), then
`column 1, column 2, pre-1996 flag, effective YYYYMMDD, deletion YYYYMMDD or *, modifier indicator, rationale`.

MUE CSV files: the first cell is a quoted multi-line AMA notice; the header row starts "HCPCS/CPT Code";
then `code, MUE value, "2 Date of Service Edit: Policy", rationale`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date


class NotEditFile(ValueError):
    """The file is not the NCCI/MUE table it was given as."""


@dataclass(frozen=True, slots=True)
class PtpRow:
    column1: str
    column2: str
    effective_from: date
    effective_to: date | None
    modifier_indicator: str
    rationale: str

    def in_force_rank(self) -> tuple[int, date, date]:
        """Between rows for the same pair, the one in force wins: no deletion date first, then the latest."""
        return (1 if self.effective_to is None else 0, self.effective_to or date.max, self.effective_from)


@dataclass(frozen=True, slots=True)
class MueRow:
    code: str
    value: int
    adjudication_indicator: str  # "2 Date of Service Edit: Policy"
    rationale: str


def _yyyymmdd(text: str) -> date | None:
    text = text.strip()
    if not re.fullmatch(r"\d{8}", text):
        return None
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


_PROC = re.compile(r"^[0-9A-Z]{5}$")


def _shown(line: str) -> str:
    return line if len(line) <= 50 else line[:50] + "…"


def check_ptp_preamble(data: bytes) -> None:
    """Raise NotEditFile unless the file opens with the PTP preamble ("Column1/Column2 Edits")."""
    head = data[:2000].decode("latin-1").splitlines()[:3]
    if "column1/column2" not in " ".join(head).lower().replace(" ", ""):
        first = head[0] if head else ""
        raise NotEditFile(
            f"this is not an NCCI PTP file: no 'Column1/Column2 Edits' preamble (line 1 has {_shown(first)!r})"
        )


def parse_ptp(data: bytes) -> list[PtpRow]:
    """Every edit in one PTP file part; a pair listed twice keeps the row in force."""
    check_ptp_preamble(data)
    lines = data.decode("latin-1").splitlines()
    best: dict[tuple[str, str], PtpRow] = {}
    rationales: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        cells = line.split("\t")
        if len(cells) < 6 or not _PROC.match(cells[0].strip()) or not _PROC.match(cells[1].strip()):
            continue  # preamble and header lines
        effective = _yyyymmdd(cells[3])
        deletion = cells[4].strip()
        indicator = cells[5].strip()
        if effective is None or indicator not in ("0", "1", "9"):
            raise NotEditFile(f"NCCI PTP line {number} is not an edit: {_shown(line)!r}")
        rationale = cells[6].strip() if len(cells) > 6 else ""
        row = PtpRow(
            column1=cells[0].strip(),
            column2=cells[1].strip(),
            effective_from=effective,
            effective_to=None if deletion in ("*", "") else _yyyymmdd(deletion),
            modifier_indicator=indicator,
            rationale=rationales.setdefault(rationale, rationale),  # share the few distinct strings
        )
        key = (row.column1, row.column2)
        held = best.get(key)
        if held is None or row.in_force_rank() > held.in_force_rank():
            best[key] = row
    if not best:
        raise NotEditFile("this NCCI PTP file holds no edits")
    return list(best.values())


def parse_mue(data: bytes) -> list[MueRow]:
    reader = csv.reader(io.StringIO(data.decode("latin-1"), newline=""))
    for row in reader:
        if row and row[0].strip().upper().startswith("HCPCS"):
            break
    else:
        first = data.split(b"\n", 1)[0].decode("latin-1", "replace").rstrip("\r")
        raise NotEditFile(
            f"this is not an MUE table: no header row starting 'HCPCS' (line 1 has {_shown(first)!r})"
        )
    rows: dict[str, MueRow] = {}
    for row in reader:
        if len(row) < 3 or not _PROC.match(row[0].strip()):
            continue
        value = row[1].strip()
        if not value.isdigit():
            raise NotEditFile(f"MUE row for {row[0].strip()} has no numeric value: {value!r}")
        rows[row[0].strip()] = MueRow(
            code=row[0].strip(),
            value=int(value),
            adjudication_indicator=row[2].strip(),
            rationale=row[3].strip() if len(row) > 3 else "",
        )
    if not rows:
        raise NotEditFile("this MUE table holds no codes")
    return list(rows.values())
