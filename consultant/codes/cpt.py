"""The operator's licensed AMA CPT data files. Nothing from them is ever committed: tests use synthetic files.

- LONGULT.txt: an AMA copyright preamble (blank-line separated paragraphs), then `code<TAB>long descriptor`.
- ConsumerDescriptor.txt: tab-separated `Concept Id, CPT Code, Consumer Friendly Descriptor` with a header row.
- ClinicianDescriptor.txt: `Concept Id, CPT Code, Clinician Descriptor Id, Clinician Descriptor` (several a code).
- MODUL.txt: free text in sections (Appendix A, Anesthesia Physical Status, CPT Level I Modifiers,
  Category II Modifiers, Level II (HCPCS/National) Modifiers); a modifier starts a line and its
  description runs until a blank line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from consultant.codes.records import CodeRow

CPT_CODE = re.compile(r"^(?:\d{5}|\d{4}[AFMTU])$")


class NotCptFile(ValueError):
    """The file does not have the layout of the AMA file it was given as."""


def decode(data: bytes) -> str:
    # AMA files have shipped in both UTF-8 and Windows code pages; a BOM may lead.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_CODE_LINE = re.compile(r"^(?:\d{5}|\d{4}[AFMTU])[\t ]")


def strip_preamble(text: str) -> tuple[str, list[str]]:
    """(preamble, body lines). The copyright notice (several paragraphs in some years) ends at the blank
    line just before the first code line; a file with no notice starts with its codes."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if _CODE_LINE.match(line) and (i == 0 or not lines[i - 1].strip()):
            return "\n".join(lines[:i]).strip(), lines[i:]
    # No code line after a blank line: report the first line after the first blank one as the culprit.
    for i, line in enumerate(lines):
        if not line.strip():
            return "\n".join(lines[:i]), lines[i + 1 :]
    return "", lines


def cpt_year(preamble: str) -> int | None:
    """The CPT edition named in the preamble ("CPT® 2026 …"), if any."""
    found = re.search(r"CPT(?:®|\(R\)|\s)*\s*(20\d\d)", preamble)
    return int(found.group(1)) if found else None


def parse_long_descriptors(data: bytes) -> tuple[int | None, list[CodeRow]]:
    """(CPT year named in the preamble, rows) from LONGULT.txt."""
    preamble, lines = strip_preamble(decode(data))
    rows: dict[str, CodeRow] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        code, sep, descriptor = line.partition("\t")
        if not sep:  # some releases separate with a space
            code, _, descriptor = line.partition(" ")
        code = code.strip()
        if not CPT_CODE.match(code):
            shown = line if len(line) <= 50 else line[:50] + "…"
            raise NotCptFile(
                f"this is not a CPT long-descriptor file: line {number} after the notice has {shown!r}"
            )
        rows[code] = CodeRow(system="cpt", code=code, descriptor=descriptor.strip())
    if not rows:
        raise NotCptFile("this CPT long-descriptor file holds no codes")
    return cpt_year(preamble), list(rows.values())


@dataclass(frozen=True)
class Descriptor:
    code: str
    text: str


def _tabbed_rows(data: bytes, must_have: str, columns: int, what: str) -> list[list[str]]:
    """Rows after the header row (the one naming `must_have`); an optional preamble before it is skipped."""
    lines = decode(data).splitlines()
    for i, line in enumerate(lines):
        cells = [c.strip().strip('"') for c in line.split("\t")]
        if any(c.lower() == must_have.lower() for c in cells):
            body = lines[i + 1 :]
            break
    else:
        first = lines[0] if lines else ""
        shown = first if len(first) <= 50 else first[:50] + "…"
        raise NotCptFile(
            f"this is not a {what} file: no header row naming {must_have!r} (line 1 has {shown!r})"
        )
    rows = []
    for line in body:
        cells = [c.strip().strip('"') for c in line.split("\t")]
        if len(cells) >= columns and CPT_CODE.match(cells[1]):
            rows.append(cells)
    return rows


def parse_consumer_descriptors(data: bytes) -> list[Descriptor]:
    rows = _tabbed_rows(data, "CPT Code", 3, "CPT consumer-friendly descriptor")
    return [Descriptor(r[1], r[2]) for r in rows if r[2]]


def parse_clinician_descriptors(data: bytes) -> list[Descriptor]:
    """One Descriptor per code, its clinician descriptors joined one a line, in file order."""
    rows = _tabbed_rows(data, "CPT Code", 4, "CPT clinician descriptor")
    joined: dict[str, list[str]] = {}
    for r in rows:
        if r[3]:
            joined.setdefault(r[1], []).append(r[3])
    return [Descriptor(code, "\n".join(texts)) for code, texts in joined.items()]


# MODUL.txt sections, in the order the file has them, and the shape of a modifier line in each.
_SECTIONS = {
    "appendix a": re.compile(r"^([1-9]\d)\s+(.+)$"),
    "anesthesia physical status": re.compile(r"^.*?\b(P[1-6])\s*:\s*(.+)$"),
    "cpt level i modifiers": re.compile(r"^([1-9]\d)\s+(.+)$"),
    "category ii modifiers": re.compile(r"^([1-9][A-Z])\s+(.+)$"),
    "level ii (hcpcs/national) modifiers": re.compile(r"^([A-Z][0-9A-Z])\s+(.+)$"),
}
# HCPCS Level II modifiers come from the CMS HCPCS file, which is the authority for them.
_SKIPPED_SECTIONS = {"level ii (hcpcs/national) modifiers"}


def parse_modifiers(data: bytes) -> list[CodeRow]:
    section: str | None = None
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in decode(data).splitlines():
        text = line.strip()
        if text.lower() in _SECTIONS:
            section, current = text.lower(), None
            continue
        if section is None or section in _SKIPPED_SECTIONS:
            continue
        if not text:
            current = None
            continue
        start = _SECTIONS[section].match(text)
        if start and (current is None or section == "anesthesia physical status"):
            code = start.group(1)
            current = None if code in found else code  # the first (fullest) description of a code wins
            if current is not None:
                found[current] = [start.group(2).strip()]
        elif current is not None:
            found[current].append(text)
    if not found:
        raise NotCptFile(
            "this is not a CPT modifier file (MODUL.txt): no 'Appendix A' section with modifiers"
        )
    return [
        CodeRow(system="modifier", code=code, kind="modifier", descriptor=" ".join(parts))
        for code, parts in found.items()
    ]
