"""ICD-10-CM tabular XML parsing: codes, headers, 7th-character expansion, notes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from consultant.codes.icd10cm_xml import NotIcd10cmXml, dotted, is_invalid_s06_ending, parse_tabular_xml

SAMPLE = Path(__file__).parents[1] / "fixtures" / "codes" / "icd10cm_tabular_sample.xml"


@pytest.fixture(scope="module")
def rows() -> dict[str, object]:
    version, parsed = parse_tabular_xml(SAMPLE.read_bytes())
    assert version == "2026"
    by_code = {r.code: r for r in parsed}
    assert len(by_code) == len(parsed), "codes are unique within a release"
    return by_code  # type: ignore[return-value]


def test_billable_codes_include_seventh_character_expansions(rows: dict) -> None:
    billable = sorted(c for c, r in rows.items() if r.billable)
    assert billable == sorted(
        [
            "E10.9",
            "E11.22",
            "E11.9",
            "N18.31",
            "N18.9",
            "N99.0",
            "S00.00XA",
            "S00.00XD",
            "S00.00XS",
            "S06.0X1A",
            "S06.0X1D",
            "S06.0X1S",
            "S06.0X7A",  # D and S do not apply when the 6th character is 7
            "S09.XXXA",  # a three-character leaf is padded with three X placeholders
        ]
    )


def test_leaves_under_a_seventh_character_rule_become_headers(rows: dict) -> None:
    for header in ("S00.00", "S06.0X1", "S06.0X7", "S09", "E11", "E11.2", "S06.0X"):
        assert rows[header].billable is False, header
    assert rows["S00.00XD"].parent == "S00.00"
    assert rows["S00.00XD"].descriptor == "Unspecified superficial injury of scalp, subsequent encounter"


def test_kinds_and_parents_form_the_tabular_tree(rows: dict) -> None:
    assert rows["ch4"].kind == "chapter"
    assert rows["E08-E13"].kind == "section" and rows["E08-E13"].parent == "ch4"
    # A section named like its only category is kept apart from the category.
    assert rows["N99-N99"].kind == "section" and rows["N99"].kind == "category"
    assert rows["E11"].parent == "E08-E13"
    assert rows["E11.22"].parent == "E11.2"
    assert rows["E11.2"].kind == "subcategory"


def test_notes_are_kept_on_the_element_that_carries_them(rows: dict) -> None:
    e1122 = json.loads(rows["E11.22"].notes_json)
    assert e1122 == {
        "use_additional_code": ["code to identify stage of chronic kidney disease (N18.1-N18.6)"]
    }
    e11 = json.loads(rows["E11"].notes_json)
    assert e11["excludes1"] == ["type 1 diabetes mellitus (E10.-)"]
    assert e11["includes"] == ["diabetes NOS"]
    s00 = json.loads(rows["S00"].notes_json)
    assert s00["seven_chr"] == ["A: initial encounter", "D: subsequent encounter", "S: sequela"]
    assert s00["seven_chr_note"][0].startswith("The appropriate 7th character")
    assert json.loads(rows["N17-N19"].notes_json)["excludes2"] == ["extrarenal uremia (R39.2)"]


def test_wrong_files_are_refused() -> None:
    with pytest.raises(NotIcd10cmXml):
        parse_tabular_xml(b"00001 A00     0 Cholera")
    with pytest.raises(NotIcd10cmXml, match=r"root element is <ICD10PCS\.tabular>"):
        parse_tabular_xml(b"<ICD10PCS.tabular/>")


def test_dotted_and_s06_rule() -> None:
    assert dotted("e1122") == "E11.22"
    assert dotted("A00") == "A00"
    assert is_invalid_s06_ending("S06.0X7D")
    assert is_invalid_s06_ending("S06.2X8S")
    assert not is_invalid_s06_ending("S06.0X7A")
    assert not is_invalid_s06_ending("S06.0X6D")
    assert not is_invalid_s06_ending("S07.0X7D")
