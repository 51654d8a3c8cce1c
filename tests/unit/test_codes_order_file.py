"""CMS ICD-10-CM / ICD-10-PCS order files."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultant.codes.order_file import NotOrderFile, parse_order_file

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


def test_pcs_order_file() -> None:
    rows = {
        r.code: r for r in parse_order_file((FIXTURES / "icd10pcs_order_sample.txt").read_bytes(), "icd10pcs")
    }
    assert len(rows) == 6
    gallbladder = rows["0FT44ZZ"]
    assert gallbladder.billable and gallbladder.kind == "code" and gallbladder.parent == "0FT"
    assert gallbladder.descriptor == "Resection of Gallbladder, Percutaneous Endoscopic Approach"
    assert rows["0FT"].billable is False
    assert rows["0016070"].short_descriptor == "Bypass Cereb Vent to Nasophar with Autol Sub, Open Approach"
    assert rows["0016070"].descriptor.startswith("Bypass Cerebral Ventricle to Nasopharynx with Autologous")


def test_cm_order_file_codes_get_their_dot() -> None:
    rows = {
        r.code: r for r in parse_order_file((FIXTURES / "icd10cm_order_sample.txt").read_bytes(), "icd10cm")
    }
    assert rows["E11.22"].billable and rows["E11.22"].parent == "E11.2"
    assert rows["E11"].billable is False and rows["E11"].kind == "category"
    assert rows["S00.00XA"].parent == "S00.00"
    assert sum(r.billable for r in rows.values()) == 4


def test_the_other_system_or_another_layout_is_refused() -> None:
    cm = (FIXTURES / "icd10cm_order_sample.txt").read_bytes()
    with pytest.raises(NotOrderFile, match=r"not an ICD-10-PCS order file: line 1 has code 'E11'"):
        parse_order_file(cm, "icd10pcs")
    pcs = (FIXTURES / "icd10pcs_order_sample.txt").read_bytes()
    with pytest.raises(NotOrderFile, match=r"not an ICD-10-CM order file: line 1"):
        parse_order_file(pcs, "icd10cm")
    with pytest.raises(NotOrderFile, match="ICD-10-PCS order file: line 1 has 'Code"):
        parse_order_file(b"Code\tDescription\r\n0FT44ZZ\tResection\r\n", "icd10pcs")
    with pytest.raises(NotOrderFile, match="empty"):
        parse_order_file(b"\r\n", "icd10pcs")
