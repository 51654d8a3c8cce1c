"""HCPCS Level II fixed-width file: disclaimer, continuation lines, modifiers, terminated codes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from consultant.codes.hcpcs import NotHcpcsFile, parse_hcpcs

# Real records copied from the public-domain CMS 2020 file, with its 9-line disclaimer.
SAMPLE = Path(__file__).parents[1] / "fixtures" / "codes" / "HCPC2020_ANWEB_sample.txt"


@pytest.fixture(scope="module")
def rows() -> dict:
    return {(r.system, r.code): r for r in parse_hcpcs(SAMPLE.read_bytes())}


def test_codes_and_modifiers_are_read_past_the_disclaimer(rows: dict) -> None:
    assert sorted(c for s, c in rows if s == "hcpcs") == ["A0021", "A4466", "G0438", "J1100"]
    assert sorted(c for s, c in rows if s == "modifier") == ["A1", "AD", "XE"]


def test_continuation_lines_complete_the_long_description(rows: dict) -> None:
    g0438 = rows[("hcpcs", "G0438")]
    assert g0438.descriptor == (
        "Annual wellness visit; includes a personalized prevention plan of service (pps), initial visit"
    )
    assert g0438.short_descriptor == "Ppps, initial visit"
    assert rows[("modifier", "XE")].descriptor.endswith("because it occurred during a separate encounter")


def test_fixed_fields(rows: dict) -> None:
    j1100 = rows[("hcpcs", "J1100")]
    assert j1100.descriptor == "Injection, dexamethasone sodium phosphate, 1 mg"
    assert j1100.effective_from == date(1982, 1, 1)
    assert j1100.effective_to is None
    assert '"D: Special coverage instructions apply"' in j1100.notes_json
    assert '"O1E"' in j1100.notes_json


def test_terminated_codes_are_kept_with_their_date(rows: dict) -> None:
    a4466 = rows[("hcpcs", "A4466")]
    assert a4466.effective_to == date(2016, 12, 31)
    assert "Terminated 2016-12-31" in a4466.notes_json


def test_a_file_without_records_is_refused() -> None:
    with pytest.raises(NotHcpcsFile):
        parse_hcpcs(b"00001 A00     0 Cholera\r\n")
