"""NCCI PTP and MUE parsers, on synthetic files in the CMS layouts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from consultant.codes.ncci import NotEditFile, parse_mue, parse_ptp

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


def test_ptp_rows_after_the_six_line_preamble() -> None:
    rows = {
        (r.column1, r.column2): r
        for r in parse_ptp((FIXTURES / "ccipra-v322r0-f1_synthetic.txt").read_bytes())
    }
    assert len(rows) == 5
    edit = rows[("38241", "38242")]
    assert (edit.effective_from, edit.effective_to, edit.modifier_indicator) == (
        date(2015, 1, 1),
        date(2025, 12, 31),
        "0",
    )
    assert rows[("20610", "99214")].effective_to is None  # "*" = no deletion date


def test_ptp_duplicate_pair_keeps_the_row_in_force() -> None:
    rows = {
        (r.column1, r.column2): r
        for r in parse_ptp((FIXTURES / "ccipra-v322r0-f1_synthetic.txt").read_bytes())
    }
    kept = rows[("99457", "99490")]
    assert (kept.effective_from, kept.effective_to, kept.modifier_indicator) == (date(2020, 1, 1), None, "1")


def test_ptp_refuses_other_files() -> None:
    with pytest.raises(NotEditFile, match="no 'Column1/Column2 Edits' preamble"):
        parse_ptp((FIXTURES / "LONGULT_synthetic.txt").read_bytes())
    bad = b"notice\r\nColumn1/Column2 Edits\r\n38241\t38242\t\tyesterday\t*\t0\tx\r\n"
    with pytest.raises(NotEditFile, match="line 3 is not an edit"):
        parse_ptp(bad)


def test_mue_rows_after_the_quoted_notice_and_two_line_header() -> None:
    rows = {
        r.code: r
        for r in parse_mue(
            (FIXTURES / "MCR_MUE_PractitionerServices_Eff_07-01-2026_synthetic.csv").read_bytes()
        )
    }
    assert set(rows) == {"J1100", "20610", "38242"}
    assert (rows["J1100"].value, rows["J1100"].adjudication_indicator) == (
        10,
        "3 Date of Service Edit: Clinical",
    )
    assert rows["20610"].rationale == "Anatomic Consideration"
    with pytest.raises(NotEditFile, match="no header row starting 'HCPCS'"):
        parse_mue(b"code,value\r\n99213,1\r\n")
