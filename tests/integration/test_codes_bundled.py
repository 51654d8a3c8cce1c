"""The real bundled code sets, imported once for the session (`codes_db`): counts, cross-checks, facts."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultant.app import App, build_app, prepare
from consultant.codes.bundled import codesets_dir, ensure_bundled_codesets
from consultant.codes.db_service import DbCodeService
from consultant.codes.values import FoundCode
from consultant.models.codes import Code, CodeRelease
from tests.conftest import make_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def codes(app: App, system: str, **where: object) -> set[str]:
    with app.sessions() as s:
        stmt = select(Code.code).where(Code.system == system)
        for column, value in where.items():
            stmt = stmt.where(getattr(Code, column) == value)
        return set(s.scalars(stmt))


def test_icd10cm_billable_count_and_order_file_cross_check(codes_db: App) -> None:
    billable = codes(codes_db, "icd10cm", billable=True)
    assert len(billable) == 74_719
    raw = zipfile.ZipFile(codesets_dir() / "icd10cm_order_2026.zip").read("icd10cm_order_2026.txt")
    lines = io.TextIOWrapper(io.BytesIO(raw), encoding="ascii").read().splitlines()
    valid = {line[6:13].strip() for line in lines if line[14] == "1"}
    headers = {line[6:13].strip() for line in lines if line[14] == "0"}
    assert {c.replace(".", "") for c in billable} == valid
    xml_headers = codes(codes_db, "icd10cm", billable=False, kind="subcategory") | codes(
        codes_db, "icd10cm", billable=False, kind="category"
    )
    assert {c.replace(".", "") for c in xml_headers} == headers


def test_pcs_and_hcpcs_counts(codes_db: App) -> None:
    assert len(codes(codes_db, "icd10pcs", billable=True)) == 79_115
    assert len(codes(codes_db, "icd10pcs", billable=False)) == 914
    assert len(codes(codes_db, "hcpcs")) == 6_710
    assert len(codes(codes_db, "modifier")) == 369
    with codes_db.sessions() as s:
        active = s.scalar(
            select(func.count()).where(
                Code.system == "hcpcs",
                (Code.effective_to.is_(None)) | (Code.effective_to >= date(2020, 1, 1)),
            )
        )
        releases = {(r.system, r.name): r for r in s.scalars(select(CodeRelease))}
    assert active == 6_105
    assert set(releases) == {("icd10cm", "FY2026"), ("icd10pcs", "FY2026"), ("hcpcs", "2020-annual")}
    assert releases[("icd10cm", "FY2026")].effective_to == date(2026, 9, 30)


def test_dictionary_over_every_bundled_set(codes_db: App) -> None:
    dictionary = DbCodeService(codes_db.sessions).dictionary(date(2026, 1, 15))
    assert dictionary.canonical("icd10cm", "e1122") == "E11.22"
    assert dictionary.is_billable("icd10pcs", "0FT44ZZ")
    assert dictionary.is_billable("hcpcs", "J1100")
    assert sorted(dictionary.systems_for("A0100")) == ["hcpcs", "icd10cm"]  # typhoid A01.00 or taxi
    assert not dictionary.has("icd10cm", "S06.2X7D")  # invalid D/S ending dropped
    assert dictionary.is_billable("icd10cm", "S06.2X7A")


def test_e1122_facts_carry_use_additional_code_for_ckd(codes_db: App) -> None:
    service = DbCodeService(codes_db.sessions)
    facts = service.facts([FoundCode("icd10cm", "E11.22"), FoundCode("icd10cm", "N18.31")], date(2026, 1, 15))
    e1122, n1831 = facts.codes
    assert e1122.descriptor == "Type 2 diabetes mellitus with diabetic chronic kidney disease"
    assert (
        "code to identify stage of chronic kidney disease (N18.1-N18.6)" in e1122.notes["use_additional_code"]
    )
    assert any("N18.31 asked about answers this" in h for h in facts.hints if h.startswith("E11.22"))
    assert any("diabetic chronic kidney disease (E08.22" in n for n in n1831.notes["code_first"])
    fracture = service.facts([FoundCode("icd10cm", "S72.001D")], date(2026, 1, 15)).codes[0]
    assert fracture.descriptor.endswith("subsequent encounter for closed fracture with routine healing")
    assert any(
        s.startswith("D: subsequent encounter for closed fracture with routine healing")
        for s in fracture.notes["seven_chr"]
    )


def test_fresh_import_is_fast_and_second_start_is_instant(tmp_path: Path) -> None:
    app = build_app(make_settings(tmp_path))
    try:
        prepare(app, load_codes=False)
        started = time.perf_counter()
        outcomes = ensure_bundled_codesets(app.sessions)
        took = time.perf_counter() - started
        assert len(outcomes) == 3
        assert took < 60, f"bundled import took {took:.1f}s"
        started = time.perf_counter()
        assert ensure_bundled_codesets(app.sessions) == []
        assert time.perf_counter() - started < 0.5
    finally:
        app.close()
