"""CodeDictionary: the in-memory set of valid codes detection checks against."""

from __future__ import annotations

import pytest

from consultant.codes.dictionary import CodeDictionary


@pytest.fixture
def dictionary() -> CodeDictionary:
    return CodeDictionary.from_codes(
        {
            "icd10cm": {"E11.22": True, "E11": False, "A01.00": True},
            "hcpcs": {"A0100", "J1100"},
            "cpt": {"99214"},
            "modifier": {"59", "XE"},
        },
        releases={"icd10cm": "FY2026"},
    )


def test_lookup_ignores_dot_and_case(dictionary: CodeDictionary) -> None:
    assert dictionary.has("icd10cm", "e1122")
    assert dictionary.has("icd10cm", "E11.22")
    assert dictionary.canonical("icd10cm", "e1122") == "E11.22"
    assert dictionary.canonical("icd10cm", "E11.23") is None
    assert dictionary.canonical("cpt", "E11.22") is None


def test_headers_are_known_but_not_billable(dictionary: CodeDictionary) -> None:
    assert dictionary.has("icd10cm", "E11")
    assert not dictionary.is_billable("icd10cm", "E11")
    assert dictionary.is_billable("icd10cm", "E11.22")
    assert not dictionary.is_billable("icd10cm", "Z99.99")


def test_a_string_valid_in_two_systems_reports_both(dictionary: CodeDictionary) -> None:
    assert sorted(dictionary.systems_for("A0100")) == ["hcpcs", "icd10cm"]
    assert dictionary.systems_for("a01.00") == dictionary.systems_for("A0100")
    assert dictionary.systems_for("J1100") == ("hcpcs",)
    assert dictionary.systems_for("12345") == ()


def test_sizes_and_release_names(dictionary: CodeDictionary) -> None:
    assert dictionary.size("icd10cm") == 3
    assert dictionary.size() == 8
    assert dictionary.releases["icd10cm"] == "FY2026"


def test_is_immutable(dictionary: CodeDictionary) -> None:
    with pytest.raises(TypeError):
        dictionary.by_system["cpt"]["00000"] = None  # type: ignore[index]


def test_a_code_listed_twice_in_one_system_counts_once() -> None:
    from consultant.codes.dictionary import Entry

    dictionary = CodeDictionary.from_entries(
        [Entry("modifier", "P1", False), Entry("modifier", "P1", True), Entry("icd10cm", "P1", False)]
    )
    assert sorted(dictionary.systems_for("P1")) == ["icd10cm", "modifier"]
    assert dictionary.is_billable("modifier", "P1")
    assert dictionary.size("modifier") == 1
