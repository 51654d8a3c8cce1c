"""The seam between intake and the code sets: what the pipeline asks of them."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from consultant.codes.values import CodeFacts, FoundCode, SearchHit


class CodeService(Protocol):
    def find(self, text: str, on: date) -> list[FoundCode]:
        """Codes named in `text` (already stripped of quotes and signature), valid on `on`."""
        ...

    def facts(self, found: list[FoundCode], on: date) -> CodeFacts:
        """Descriptors, notes, plain descriptions, pair edits, MUEs and hints for the found codes."""
        ...

    def search(self, query: str, limit: int = 10) -> list[SearchHit]:
        """Full-text search over descriptions, for questions that name no code."""
        ...
