"""How out of date a release is."""

from __future__ import annotations

from datetime import date

from consultant.codes.status import add_months, staleness


def test_icd10_release_past_its_end_date() -> None:
    days, advice = staleness("icd10cm", date(2025, 10, 1), date(2026, 9, 30), date(2026, 11, 25))
    assert days == 56
    assert advice == "ICD-10-CM ended 2026-09-30: 56 days out of date; load FY2027"


def test_icd10_release_in_force() -> None:
    days, advice = staleness("icd10pcs", date(2025, 10, 1), date(2026, 9, 30), date(2026, 9, 30))
    assert days == 0 and "in force until 2026-09-30" in advice


def test_quarterly_release_without_end_date() -> None:
    days, advice = staleness("hcpcs", date(2020, 1, 1), None, date(2020, 3, 31))
    assert days == 0
    days, advice = staleness("hcpcs", date(2020, 1, 1), None, date(2020, 4, 11))
    assert days == 10 and "due 2020-04-01" in advice


def test_add_months_wraps_the_year() -> None:
    assert add_months(date(2026, 10, 1), 3) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 15), 12) == date(2027, 1, 1)
