"""Importers end to end on SQLite with the fixtures in tests/fixtures/codes: releases, duplicates, wrong
files, zips, and the facts the service draws from what was imported."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultant.app import App
from consultant.codes.db_service import DbCodeService
from consultant.codes.dictionary import load_dictionary
from consultant.codes.files import WrongFile
from consultant.codes.importers import ImportRequest, hcpcs_release_name, mue_version, ptp_version, run_import
from consultant.codes.store import ReleaseConflict
from consultant.codes.values import FoundCode
from consultant.models.codes import Code, CodeRelease, Mue, NcciEdit, PlainDescription

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


def load(app: App, kind: str, name: str, **options: object):  # type: ignore[no-untyped-def]
    return run_import(app.sessions, ImportRequest(kind, (FIXTURES / name,), **options))  # type: ignore[arg-type]


def count(app: App, model: type, **where: object) -> int:
    with app.sessions() as s:
        stmt = select(func.count()).select_from(model)
        for column, value in where.items():
            stmt = stmt.where(getattr(model, column) == value)
        return int(s.scalar(stmt) or 0)


def test_pcs_import_twice_does_not_duplicate(app: App) -> None:
    first = load(app, "icd10pcs", "icd10pcs_order_sample.txt", release="FY2026", effective=date(2025, 10, 1))
    again = load(app, "icd10pcs", "icd10pcs_order_sample.txt", release="FY2026", effective=date(2025, 10, 1))
    assert not first.already_loaded and again.already_loaded
    assert again.release_id == first.release_id
    assert count(app, Code, system="icd10pcs") == 6
    assert count(app, CodeRelease) == 1


def test_a_newer_release_sits_beside_the_older_one(app: App, tmp_path: Path) -> None:
    load(app, "icd10pcs", "icd10pcs_order_sample.txt", release="FY2026")
    newer = tmp_path / "icd10pcs_order_2027.txt"
    text = (FIXTURES / "icd10pcs_order_sample.txt").read_text()
    newer.write_text(text.replace("0FT40ZZ", "0FT47ZZ"), newline="")
    outcome = run_import(app.sessions, ImportRequest("icd10pcs", (newer,)))
    assert (outcome.name, outcome.already_loaded) == ("FY2027", False)
    with app.sessions() as s:
        releases = {r.name: r for r in s.scalars(select(CodeRelease))}
        assert releases["FY2027"].effective_from == date(2026, 10, 1)
        assert releases["FY2027"].effective_to == date(2027, 9, 30)
        old = load_dictionary(s, date(2026, 3, 1))
        new = load_dictionary(s, date(2026, 11, 1))
    assert old.has("icd10pcs", "0FT40ZZ") and not old.has("icd10pcs", "0FT47ZZ")
    assert new.has("icd10pcs", "0FT47ZZ") and not new.has("icd10pcs", "0FT40ZZ")
    assert new.releases["icd10pcs"] == "FY2027"


def test_same_release_name_from_another_file_is_refused(app: App, tmp_path: Path) -> None:
    load(app, "icd10pcs", "icd10pcs_order_sample.txt", release="FY2026")
    other = tmp_path / "icd10pcs_order_2026.txt"
    other.write_text((FIXTURES / "icd10pcs_order_sample.txt").read_text().replace("0FT40ZZ", "0FT47ZZ"))
    with pytest.raises(ReleaseConflict, match="already loaded from another file"):
        run_import(app.sessions, ImportRequest("icd10pcs", (other,)))


def test_zip_member_is_picked(app: App, tmp_path: Path) -> None:
    archive = tmp_path / "2026-icd-10-pcs-order-file.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("icd10pcsOrderFile.pdf", b"%PDF-1.4 not the data")
        z.write(FIXTURES / "icd10pcs_order_sample.txt", "icd10pcs_order_2026.txt")
    outcome = run_import(app.sessions, ImportRequest("icd10pcs", (archive,)))
    assert outcome.name == "FY2026" and outcome.rows == 4  # valid codes; the 2 headers are not counted
    with app.sessions() as s:
        release = s.scalars(select(CodeRelease)).one()
    assert release.source_file == "2026-icd-10-pcs-order-file.zip!icd10pcs_order_2026.txt"


@pytest.mark.parametrize(
    ("kind", "name", "message"),
    [
        (
            "icd10pcs",
            "icd10cm_order_sample.txt",
            "this is not an ICD-10-PCS order file: line 1 has code 'E11'",
        ),
        (
            "icd10cm-xml",
            "icd10pcs_order_sample.txt",
            "this is not the ICD-10-CM tabular XML: line 1 has '00001",
        ),
        ("hcpcs", "icd10pcs_order_sample.txt", "this is not an HCPCS Level II file: line 1 has '00001"),
        ("cpt-long", "HCPC2020_ANWEB_sample.txt", "this is not a CPT long-descriptor file"),
        ("ncci-ptp", "LONGULT_synthetic.txt", "this is not an NCCI PTP file"),
        ("mue", "ccipra-v322r0-f1_synthetic.txt", "this is not an MUE table"),
        ("cpt-consumer", "MODUL_synthetic.txt", "this is not a CPT consumer-friendly descriptor file"),
        ("cpt-modifiers", "LONGULT_synthetic.txt", "this is not a CPT modifier file"),
    ],
)
def test_wrong_files_get_a_one_line_reason(app: App, kind: str, name: str, message: str) -> None:
    with pytest.raises(WrongFile) as caught:
        load(app, kind, name, release="X", effective=date(2026, 1, 1), setting="practitioner")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)
    assert count(app, CodeRelease) == 0


def test_hcpcs_import_keeps_terminated_codes_and_modifiers(app: App) -> None:
    outcome = load(app, "hcpcs", "HCPC2020_ANWEB_sample.txt")
    assert outcome.name == "2020-annual"
    assert count(app, Code, system="hcpcs") == 4
    assert count(app, Code, system="modifier") == 3
    with app.sessions() as s:
        on_2020 = load_dictionary(s, date(2020, 1, 1))
    assert on_2020.has("hcpcs", "A4466") and not on_2020.is_billable("hcpcs", "A4466")  # terminated 2016
    assert on_2020.is_billable("hcpcs", "J1100")
    assert on_2020.has("modifier", "XE")


def test_file_names_give_releases() -> None:
    assert hcpcs_release_name("HCPC2026_JAN_ANWEB_01122026.txt") == ("2026-jan", date(2026, 1, 1))
    assert hcpcs_release_name("october-2026.zip!HCPC2026_OCT_ANWEB_v2.txt") == ("2026-oct", date(2026, 10, 1))
    assert hcpcs_release_name("codes.txt") is None
    assert ptp_version("ccipra-v322r0-f1.txt") == ("practitioner", "v322r0", date(2026, 7, 1))
    assert ptp_version("ccioph-v321r0-f4.zip") == ("hospital", "v321r0", date(2026, 4, 1))
    assert mue_version("MCR_MUE_DMESupplierServices_Eff_10-01-2026.csv") == ("dme", date(2026, 10, 1))


@pytest.fixture
def loaded(app: App) -> App:
    """The small fixtures of every kind, loaded as the operator would."""
    load(app, "icd10cm-xml", "icd10cm_tabular_sample.xml")
    load(app, "hcpcs", "HCPC2020_ANWEB_sample.txt")
    load(app, "cpt-long", "LONGULT_synthetic.txt")
    load(app, "cpt-consumer", "ConsumerDescriptor_synthetic.txt", release="2026", effective=date(2026, 1, 1))
    load(
        app, "cpt-clinician", "ClinicianDescriptor_synthetic.txt", release="2026", effective=date(2026, 1, 1)
    )
    load(app, "cpt-modifiers", "MODUL_synthetic.txt", release="2026")
    load(app, "ncci-ptp", "ccipra-v322r0-f1_synthetic.txt")
    load(app, "mue", "MCR_MUE_PractitionerServices_Eff_07-01-2026_synthetic.csv")
    return app


def test_every_kind_lands_in_its_table(loaded: App) -> None:
    assert count(loaded, Code, system="cpt") == 10
    assert count(loaded, Code, system="icd10cm", billable=True) == 14
    assert count(loaded, NcciEdit) == 5  # the duplicate pair kept once
    assert count(loaded, Mue) == 3
    assert count(loaded, PlainDescription, source="consumer") == 3
    assert count(loaded, PlainDescription, source="clinician") == 2
    with loaded.sessions() as s:
        systems = {r.system: r.name for r in s.scalars(select(CodeRelease))}
    assert systems["cpt"] == "2026"
    assert systems["ncci-practitioner"] == "v322r0"
    assert systems["mue-practitioner"] == "2026-07-01"


def test_ptp_edit_in_force_inside_its_dates_only(loaded: App) -> None:
    service = DbCodeService(loaded.sessions)
    pair = [FoundCode("cpt", "38242"), FoundCode("cpt", "38241")]
    inside = service.facts(pair, date(2020, 6, 1)).edits
    assert [(e.column1, e.column2, e.modifier_indicator) for e in inside] == [("38241", "38242", "0")]
    assert inside[0].meaning.startswith("not allowed")
    assert inside[0].rationale == "Mutually exclusive procedures"
    assert inside[0].effective_to == "2025-12-31"
    assert service.facts(pair, date(2026, 3, 1)).edits == ()  # deleted 2025-12-31
    assert service.facts(pair, date(2014, 12, 31)).edits == ()  # not yet effective


def test_duplicate_pair_keeps_the_row_in_force(loaded: App) -> None:
    service = DbCodeService(loaded.sessions)
    edits = service.facts([FoundCode("cpt", "99457"), FoundCode("cpt", "99490")], date(2026, 8, 1)).edits
    assert [(e.modifier_indicator, e.effective_from) for e in edits] == [("1", "2020-01-01")]
    assert "59" in edits[0].meaning and "XE" in edits[0].meaning


def test_mue_plain_descriptions_and_modifiers(loaded: App) -> None:
    service = DbCodeService(loaded.sessions)
    facts = service.facts(
        [FoundCode("hcpcs", "J1100", units=2), FoundCode("cpt", "20610", modifiers=("59", "XE"))],
        date(2026, 8, 1),
    )
    j1100, knee = facts.codes
    assert j1100.mue is not None and (j1100.mue.value, j1100.mue.setting) == (10, "practitioner")
    assert j1100.mue.adjudication_indicator == "3 Date of Service Edit: Clinical"
    assert j1100.units == 2
    assert knee.descriptor.startswith("Synthetic: needle into a major joint")
    assert knee.plain_description == "Synthetic plain words: a shot into a large joint such as the knee."
    assert (
        knee.notes["clinician_descriptors"][0]
        == "Synthetic: aspiration of the knee joint without imaging guidance"
    )
    assert knee.mue is not None and knee.mue.value == 2
    assert any(h.startswith("Modifier 59: Distinct Procedural Service") for h in facts.hints)
    assert any(h.startswith("Modifier XE: Separate encounter") for h in facts.hints)


def test_a_coders_own_plain_description_comes_first(loaded: App) -> None:
    with loaded.sessions.begin() as s:
        s.add(PlainDescription(system="cpt", code="20610", source="coder", text="A coder's own words."))
    facts = DbCodeService(loaded.sessions).facts([FoundCode("cpt", "20610")], date(2026, 8, 1))
    assert facts.codes[0].plain_description == "A coder's own words."


def test_diagnosis_facts_from_the_tabular_list(loaded: App) -> None:
    service = DbCodeService(loaded.sessions)
    found = [FoundCode("icd10cm", "E11.22"), FoundCode("icd10cm", "N18.31"), FoundCode("icd10cm", "E10.9")]
    facts = service.facts(found, date(2026, 1, 15))
    e1122 = facts.codes[0]
    assert e1122.release == "FY2026" and e1122.billable
    assert (
        e1122.notes["use_additional_code"][0]
        == "code to identify stage of chronic kidney disease (N18.1-N18.6)"
    )
    assert "(at E11) insulin (Z79.4)" in e1122.notes["use_additional_code"]
    assert "(at E11) type 1 diabetes mellitus (E10.-)" in e1122.notes["excludes1"]
    assert "(at N17-N19) extrarenal uremia (R39.2)" in facts.codes[1].notes["excludes2"]
    assert any(h.startswith("Excludes1 conflict: E11.22 and E10.9") for h in facts.hints)
    assert any(h.startswith("E11.22: use additional code") and "N18.31" in h for h in facts.hints)
    s00 = service.facts([FoundCode("icd10cm", "S00.00XA")], date(2026, 1, 15)).codes[0]
    assert s00.notes["seven_chr"] == ["A: initial encounter", "D: subsequent encounter", "S: sequela"]
    assert any("Chapter 19" in n for n in s00.notes["notes"])


def test_dictionary_is_cached_until_a_release_is_imported(loaded: App, tmp_path: Path) -> None:
    service = DbCodeService(loaded.sessions)
    on = date(2026, 11, 1)
    first = service.dictionary(on)
    assert service.dictionary(on) is first
    assert not first.has("icd10pcs", "0FT44ZZ")
    load(loaded, "icd10pcs", "icd10pcs_order_sample.txt", release="FY2026", effective=date(2025, 10, 1))
    reloaded = service.dictionary(on)
    assert reloaded is not first and reloaded.has("icd10pcs", "0FT44ZZ")
