"""What a parser yields for one code: a plain row, ready for a bulk insert into the `code` table."""

from __future__ import annotations

from dataclasses import dataclass
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
        # Written out rather than dataclasses.asdict, which deep-copies and is slow over 100k rows.
        return {
            "release_id": release_id,
            "system": self.system,
            "code": self.code,
            "descriptor": self.descriptor,
            "kind": self.kind,
            "parent": self.parent,
            "short_descriptor": self.short_descriptor,
            "billable": self.billable,
            "notes_json": self.notes_json,
            "effective_from": self.effective_from,
            "effective_to": self.effective_to,
        }
