"""What a parser yields for one code: a plain row, ready for a bulk insert into the `code` table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class CodeRow:
    system: str  # icd10cm | icd10pcs | hcpcs | cpt | modifier
    code: str  # display form
    descriptor: str
    kind: str = "code"
    parent: str = ""
    short_descriptor: str = ""
    billable: bool = True
    notes_json: str = "{}"
    effective_from: date | None = None
    effective_to: date | None = None

    def as_insert(self, release_id: int) -> dict[str, Any]:
        row = asdict(self)
        row["release_id"] = release_id
        return row
