"""ICD-10-CM from the CMS/NCHS tabular XML: codes, headers, tabular groupings and their notes.

The XML lists ~47k `diag` elements; ~51k billable codes exist only implicitly, by padding a leaf to six
characters with the placeholder X and adding a 7th character from the nearest `sevenChrDef`. Each row
keeps only its own notes and a pointer to its tabular parent; the facts layer walks the parents so a
code shows the notes written above it, the way a coder reads the tabular list.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass

from consultant.codes.records import CodeRow

# XML note containers -> our note kinds (the keys of CodeFact.notes).
NOTE_KINDS = {
    "includes": "includes",
    "inclusionTerm": "inclusion_terms",
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional_code",
    "codeAlso": "code_also",
    "notes": "notes",
    "sevenChrNote": "seven_chr_note",
}


class NotIcd10cmXml(ValueError):
    """The file is not the ICD-10-CM tabular XML."""


@dataclass(frozen=True)
class _Inherited:
    """What a diag passes down to its children while walking the tree."""

    seven_chr: tuple[tuple[str, str], ...] = ()


def dotted(code: str) -> str:
    """E1122 -> E11.22 (ICD-10-CM display form); three characters stay as they are."""
    code = code.replace(".", "").upper()
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def is_invalid_s06_ending(code: str) -> bool:
    """Category S06: 7th characters D and S do not apply when the 6th character is 7 or 8 (death before
    regaining consciousness). The rule exists only as a note in the XML, so it is written here."""
    bare = code.replace(".", "")
    return bare.startswith("S06") and len(bare) == 7 and bare[5] in "78" and bare[6] in "DS"


def parse_tabular_xml(data: bytes) -> tuple[str, list[CodeRow]]:
    """Return (version, rows) for every chapter, section, category, subcategory and code."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise NotIcd10cmXml(f"this is not XML: {exc}") from exc
    if root.tag != "ICD10CM.tabular":
        raise NotIcd10cmXml(f"this is not the ICD-10-CM tabular XML: the root element is <{root.tag}>")
    version = (root.findtext("version") or "").strip()
    rows: list[CodeRow] = []
    for chapter in root.iter("chapter"):
        rows.extend(_chapter_rows(chapter))
    return version, rows


def _notes_of(element: ET.Element) -> dict[str, list[str]]:
    notes: dict[str, list[str]] = {}
    for child in element:
        kind = NOTE_KINDS.get(child.tag)
        if kind is None:
            continue
        texts = [(n.text or "").strip() for n in child.iter("note")]
        notes.setdefault(kind, []).extend(t for t in texts if t)
    seven = _seven_chr_def(element)
    if seven:
        notes["seven_chr"] = [f"{char}: {meaning}" for char, meaning in seven]
    return notes


def _seven_chr_def(element: ET.Element) -> tuple[tuple[str, str], ...]:
    definition = element.find("sevenChrDef")
    if definition is None:
        return ()
    return tuple(
        (ext.get("char", ""), (ext.text or "").strip())
        for ext in definition.iter("extension")
        if ext.get("char")
    )


def _row(
    code: str, kind: str, parent: str, descriptor: str, billable: bool, notes: dict[str, list[str]]
) -> CodeRow:
    return CodeRow(
        system="icd10cm",
        code=code,
        kind=kind,
        parent=parent,
        descriptor=descriptor,
        billable=billable,
        notes_json=json.dumps(notes, separators=(",", ":")) if notes else "{}",
    )


def _chapter_rows(chapter: ET.Element) -> Iterator[CodeRow]:
    chapter_code = f"ch{(chapter.findtext('name') or '').strip()}"
    yield _row(
        chapter_code, "chapter", "", (chapter.findtext("desc") or "").strip(), False, _notes_of(chapter)
    )
    for section in chapter.findall("section"):
        section_id = section.get("id", "")
        # A few sections are named like the one category they hold (B99): keep the codes apart.
        section_code = section_id if "-" in section_id else f"{section_id}-{section_id}"
        desc = (section.findtext("desc") or "").strip()
        yield _row(section_code, "section", chapter_code, desc, False, _notes_of(section))
        for diag in section.findall("diag"):
            yield from _diag_rows(diag, section_code, _Inherited())


def _diag_rows(diag: ET.Element, parent: str, inherited: _Inherited) -> Iterator[CodeRow]:
    name = (diag.findtext("name") or "").strip()
    desc = (diag.findtext("desc") or "").strip()
    seven = _seven_chr_def(diag) or inherited.seven_chr
    children = diag.findall("diag")
    bare = name.replace(".", "")
    if children:
        yield _row(
            name, "category" if len(bare) == 3 else "subcategory", parent, desc, False, _notes_of(diag)
        )
        passed = _Inherited(seven_chr=seven)
        for child in children:
            yield from _diag_rows(child, name, passed)
        return
    if not seven:
        yield _row(name, "code", parent, desc, True, _notes_of(diag))
        return
    # A leaf under a 7th-character rule is a header; the billable codes are its expansions.
    yield _row(name, "category" if len(bare) == 3 else "subcategory", parent, desc, False, _notes_of(diag))
    stem = bare.ljust(6, "X")
    for char, meaning in seven:
        code = dotted(stem + char)
        if is_invalid_s06_ending(code):
            continue
        yield _row(code, "code", name, f"{desc}, {meaning}", True, {})
