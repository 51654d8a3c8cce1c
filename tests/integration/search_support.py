"""Loading the real ICD-10-CM and ICD-10-PCS order files straight into the code table, for search tests and
the search bench (independent of the importers: search is measured on the files themselves)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import insert
from sqlalchemy.orm import Session

from consultant.models.codes import Code, CodeRelease
from tests.fixtures.detection.codesets import _read

ORDER_FILES = {"icd10cm": "icd10cm_order_2026.zip", "icd10pcs": "icd10pcs_order_2026.zip"}


def load_order_file(
    session: Session, system: str, *, name: str = "FY2026", started: date = date(2025, 10, 1)
) -> int:
    release = CodeRelease(system=system, name=name, effective_from=started, effective_to=None)
    session.add(release)
    session.flush()
    rows = []
    for line in _read(ORDER_FILES[system]):
        code, valid = line[6:13].rstrip(), line[14] == "1"
        if system == "icd10cm" and len(code) > 3:
            code = f"{code[:3]}.{code[3:]}"
        rows.append(
            {
                "release_id": release.id,
                "system": system,
                "code": code,
                "kind": "code" if valid else ("category" if len(code) == 3 else "subcategory"),
                "descriptor": line[77:].strip(),
                "short_descriptor": line[16:76].strip(),
                "billable": valid,
                "notes_json": "{}",
            }
        )
    session.execute(insert(Code), rows)
    release.code_count = len(rows)
    return len(rows)


def add_code(
    session: Session,
    release: CodeRelease,
    code: str,
    descriptor: str,
    *,
    billable: bool = True,
    terms: list[str] | None = None,
) -> None:
    session.add(
        Code(
            release_id=release.id,
            system=release.system,
            code=code,
            kind="code",
            descriptor=descriptor,
            billable=billable,
            notes_json=json.dumps({"inclusion_terms": terms or []}),
        )
    )
