"""CMS ICD-10-CM / ICD-10-PCS order files ("Code Descriptions in Tabular Order").

Fixed columns (1-indexed): 1–5 order number, 7–13 code without dot, 15 valid flag (1 billable, 0 header),
17–76 short description, 78–end long description.
"""

from __future__ import annotations

import re

from consultant.codes.icd10cm_xml import dotted
from consultant.codes.records import CodeRow

_LINE = re.compile(r"^\d{5} [0-9A-Z]{3,7} {1,5}[01] ")
# PCS sections are 0-9, B-D, F-H and X; I and O are never used. CM codes start with a letter (QA0 has a
# letter second).
PCS_CODE = re.compile(r"^[0-9BCDFGHX][0-9A-HJ-NP-Z]{2}(?:[0-9A-HJ-NP-Z]{4})?$")
CM_CODE = re.compile(r"^[A-Z][0-9A-Z]{2,6}$")


class NotOrderFile(ValueError):
    """The file does not have the order-file layout, or holds the other code system."""


def _lines(data: bytes) -> list[str]:
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return [line for line in text.splitlines() if line.strip()]


def _check(number: int, line: str, system: str) -> tuple[str, bool, str, str]:
    what = "ICD-10-PCS" if system == "icd10pcs" else "ICD-10-CM"
    shown = line if len(line) <= 50 else line[:50] + "…"
    if not _LINE.match(line) or len(line) < 17:
        raise NotOrderFile(f"this is not an {what} order file: line {number} has {shown!r}")
    code, flag = line[6:13].strip(), line[14]
    pattern = PCS_CODE if system == "icd10pcs" else CM_CODE
    valid_pcs_shape = system != "icd10pcs" or flag == "0" or len(code) == 7
    if not pattern.match(code) or not valid_pcs_shape:
        raise NotOrderFile(f"this is not an {what} order file: line {number} has code {code!r} ({shown!r})")
    return code, flag == "1", line[16:76].rstrip(), line[77:].rstrip()


def parse_order_file(data: bytes, system: str) -> list[CodeRow]:
    """Rows for every line of an order file; `system` is icd10cm or icd10pcs."""
    rows: list[CodeRow] = []
    known: set[str] = set()
    for number, line in enumerate(_lines(data), start=1):
        code, valid, short, long = _check(number, line, system)
        if system == "icd10cm":
            display = dotted(code)
            kind = "code" if valid else ("category" if len(code) == 3 else "subcategory")
        else:
            display = code
            kind = "code" if valid else "category"
        rows.append(
            CodeRow(
                system=system,
                code=display,
                kind=kind,
                parent=_parent(code, known, system),
                descriptor=long or short,
                short_descriptor=short,
                billable=valid,
            )
        )
        known.add(code)
    if not rows:
        raise NotOrderFile("this order file is empty")
    return rows


def _parent(code: str, known: set[str], system: str) -> str:
    """The nearest shorter code already listed (order files list a header before its codes)."""
    for length in range(len(code) - 1, 2, -1):
        head = code[:length]
        if head in known:
            return dotted(head) if system == "icd10cm" else head
    return ""
