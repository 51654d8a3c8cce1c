"""AMA CPT file parsers, on synthetic files in the official layouts (no AMA text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultant.codes.cpt import (
    NotCptFile,
    cpt_year,
    parse_clinician_descriptors,
    parse_consumer_descriptors,
    parse_long_descriptors,
    parse_modifiers,
    strip_preamble,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


def test_long_descriptors_after_the_notice() -> None:
    year, rows = parse_long_descriptors((FIXTURES / "LONGULT_synthetic.txt").read_bytes())
    assert year == 2026
    by_code = {r.code: r for r in rows}
    assert len(by_code) == 10
    assert by_code["38242"].descriptor == "Synthetic: infusion of donor lymphocytes from another person"
    assert {"0591T", "1000F", "0001U"} <= set(by_code)  # Category III, Category II, PLA
    assert all(r.system == "cpt" and r.kind == "code" for r in rows)


def test_long_descriptors_without_notice_and_space_separated() -> None:
    _, rows = parse_long_descriptors(
        b"99213 Synthetic: a short visit\r\n99214\tSynthetic: a longer visit\r\n"
    )
    assert [(r.code, r.descriptor) for r in rows] == [
        ("99213", "Synthetic: a short visit"),
        ("99214", "Synthetic: a longer visit"),
    ]


def test_a_non_code_line_is_reported_with_its_number() -> None:
    with pytest.raises(NotCptFile, match="line 2 after the notice has 'J1100"):
        parse_long_descriptors(b"Notice\r\n\r\n99213\tSynthetic\r\nJ1100\tNot CPT\r\n")


def test_preamble_runs_to_the_blank_line_before_the_first_code() -> None:
    preamble, body = strip_preamble("CPT 2027 notice\nmore notice\n\nsecond paragraph\n\n99213\tx\n99214\ty")
    assert preamble == "CPT 2027 notice\nmore notice\n\nsecond paragraph"
    assert body == ["99213\tx", "99214\ty"]
    assert cpt_year(preamble) == 2027
    preamble, body = strip_preamble("99213\tx\n99214\ty")
    assert preamble == "" and body[0] == "99213\tx"


def test_consumer_and_clinician_descriptors() -> None:
    consumer = parse_consumer_descriptors((FIXTURES / "ConsumerDescriptor_synthetic.txt").read_bytes())
    assert [d.code for d in consumer] == ["38242", "99214", "20610"]
    clinician = {
        d.code: d.text
        for d in parse_clinician_descriptors((FIXTURES / "ClinicianDescriptor_synthetic.txt").read_bytes())
    }
    assert clinician["20610"].split("\n") == [
        "Synthetic: aspiration of the knee joint without imaging guidance",
        "Synthetic: injection of the shoulder joint without imaging guidance",
    ]
    with pytest.raises(NotCptFile, match="no header row naming 'CPT Code'"):
        parse_consumer_descriptors(b"99213\tSynthetic\r\n")


def test_modifiers_by_section() -> None:
    rows = {r.code: r.descriptor for r in parse_modifiers((FIXTURES / "MODUL_synthetic.txt").read_bytes())}
    assert set(rows) == {"25", "59", "50", "P1", "P2", "1P"}  # Level II comes from the HCPCS file
    assert rows["59"].startswith("Distinct Procedural Service: synthetic wording")
    assert rows["59"].endswith("such as a different site or a different session.")  # continuation joined
    assert rows["25"].startswith(
        "Significant, Separately Identifiable"
    )  # the Appendix A text, not the repeat
    assert rows["P1"] == "A healthy patient (synthetic)"
