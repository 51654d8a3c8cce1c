"""Detection as JSON, one text or a batch of `{"id": …, "text": …}` lines (for `codes extract`).

Pure over its inputs: the caller reads stdin and builds the dictionary; a bad line yields an error object
for that line and the batch goes on.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from consultant.codes.detect import CodeLookup, detect
from consultant.codes.values import FoundCode


def found_json(found: FoundCode) -> dict[str, Any]:
    return {
        "system": found.system,
        "code": found.code,
        "text": found.text,
        "modifiers": list(found.modifiers),
        "units": found.units,
        "ambiguous": list(found.ambiguous),
    }


def extract_json(text: str, dictionary: CodeLookup) -> dict[str, Any]:
    return {"codes": [found_json(f) for f in detect(text, dictionary)]}


def extract_lines(
    lines: Iterable[str], dictionary_on: Callable[[date | None], CodeLookup]
) -> Iterator[dict[str, Any]]:
    """One result per non-blank input line: {"id", "codes"} or {"id", "error"} (id null if unreadable).
    A line may carry "on": "YYYY-MM-DD" (date of service) to check its codes against that date's release."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield {"id": None, "line": number, "error": f"not JSON: {exc.msg}"}
            continue
        if not isinstance(item, dict):
            yield {"id": None, "line": number, "error": "expected an object with id and text"}
            continue
        ident = item.get("id")
        text = item.get("text")
        if not isinstance(text, str):
            yield {"id": ident, "line": number, "error": "text missing or not a string"}
            continue
        try:
            on = date.fromisoformat(item["on"]) if item.get("on") else None
        except (TypeError, ValueError):
            yield {"id": ident, "line": number, "error": f"bad date in on: {item.get('on')!r}"}
            continue
        yield {"id": ident, **extract_json(text, dictionary_on(on))}
