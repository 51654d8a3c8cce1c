"""codes extract as JSON: one text, and a batch where a bad line gives an error object and the rest goes on."""

from __future__ import annotations

import json
from datetime import date

from consultant.codes.detect_batch import extract_json, extract_lines
from consultant.codes.dictionary import CodeDictionary

OLD = CodeDictionary.from_codes({"hcpcs": {"J1100"}})
NEW = CodeDictionary.from_codes({"hcpcs": {"J1100", "J9999"}})


def test_extract_json_carries_every_field() -> None:
    assert extract_json(
        "J1100-JW x2", CodeDictionary.from_codes({"hcpcs": {"J1100"}, "modifier": {"JW"}})
    ) == {
        "codes": [
            {
                "system": "hcpcs",
                "code": "J1100",
                "text": "J1100",
                "modifiers": ["JW"],
                "units": 2,
                "ambiguous": [],
            }
        ]
    }


def test_lines_use_the_release_of_their_date() -> None:
    asked: list[date | None] = []

    def dictionary_on(on: date | None) -> CodeDictionary:
        asked.append(on)
        return NEW if on and on.year >= 2026 else OLD

    lines = [
        json.dumps({"id": 1, "text": "J9999 and J1100"}),
        json.dumps({"id": 2, "text": "J9999 and J1100", "on": "2026-02-01"}),
    ]
    out = list(extract_lines(lines, dictionary_on))
    assert [[c["code"] for c in o["codes"]] for o in out] == [["J1100"], ["J9999", "J1100"]]
    assert asked == [None, date(2026, 2, 1)]


def test_bad_lines_give_errors_and_the_batch_goes_on() -> None:
    lines = ["[1, 2]", "{bad", json.dumps({"id": "x", "text": 5}), json.dumps({"id": "y", "text": "J1100"})]
    out = list(extract_lines(lines, lambda on: OLD))
    assert [o.get("error", "")[:8] for o in out] == ["expected", "not JSON", "text mis", ""]
    assert out[3] == {"id": "y", "codes": [extract_json("J1100", OLD)["codes"][0]]}
