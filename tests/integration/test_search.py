"""Full-text search over the real code sets (SQLite FTS5), and the same contract on PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from consultant.app import App
from consultant.codes.search import rebuild_search_index, search
from consultant.models.codes import CodeRelease
from tests.integration.search_support import add_code, load_order_file

pytestmark = pytest.mark.integration


def codes_for(app: App, query: str, limit: int = 10) -> list[str]:
    with app.sessions() as session:
        hits = search(session, query, limit)
        session.commit()
    return [h.code for h in hits]


# --- the real bundled code sets, imported by the real importers ----------------------------------------


def test_diabetes_with_ckd_finds_e11_22_near_the_top(codes_db: App) -> None:
    found = codes_for(codes_db, "type 2 diabetes with diabetic chronic kidney disease")
    assert "E11.22" in found[:3], found


def test_billable_code_before_its_header(codes_db: App) -> None:
    assert codes_for(codes_db, "low back pain", 3)[0] == "M54.50"  # M54.5 is the non-billable header


def test_short_exact_descriptor_beats_longer_ones_holding_the_phrase(codes_db: App) -> None:
    assert codes_for(codes_db, "essential hypertension", 3)[0] == "I10"


def test_inclusion_terms_are_searched(codes_db: App) -> None:
    # "High blood pressure" is an inclusion term of I10, not in its descriptor.
    assert "I10" in codes_for(codes_db, "high blood pressure", 5)


def test_pcs_and_hcpcs_descriptors_are_searched(codes_db: App) -> None:
    assert codes_for(codes_db, "resection of gallbladder percutaneous endoscopic", 3)[0] == "0FT44ZZ"
    assert codes_for(codes_db, "injection dexamethasone sodium phosphate", 3)[0] == "J1100"


def test_a_whole_question_finds_its_codes(codes_db: App) -> None:
    # More than a few search words: searched by the question's rarer words, ranked by descriptor coverage.
    found = codes_for(
        codes_db, "patient with type 2 diabetes and diabetic chronic kidney disease stage 3a, what first?", 5
    )
    assert {"E11.22", "N18.31"} <= set(found[:3]), found
    found = codes_for(
        codes_db, "Type 2 diabetic with CKD stage 3a — which diagnosis codes, in what order?", 5
    )
    assert "N18.31" in found[:3], found


def test_everyday_procedure_names_find_pcs_codes(codes_db: App) -> None:
    assert codes_for(codes_db, "laparoscopic cholecystectomy", 3)[0] == "0FT44ZZ"
    assert "0FT44ZZ" in codes_for(codes_db, "Inpatient laparoscopic cholecystectomy — which PCS code?", 3)
    assert codes_for(codes_db, "lap appendectomy", 3)[0] == "0DTJ4ZZ"


def test_user_text_never_becomes_query_syntax(codes_db: App) -> None:
    for query in ['NOT "kidney', "stage 3a) OR (", "col:umn * - ^", "'; drop table code; --"]:
        codes_for(codes_db, query)  # no exception
    assert codes_for(codes_db, "which code for the?") == []


def test_limit_is_respected(codes_db: App) -> None:
    assert len(codes_for(codes_db, "fracture", 7)) == 7


# --- index life cycle, on a database of its own -------------------------------------------------------


def make_release(app: App, system: str, name: str, started: date, codes: dict[str, str], terms=None) -> None:  # type: ignore[no-untyped-def]
    with app.sessions() as session:
        release = CodeRelease(system=system, name=name, effective_from=started)
        session.add(release)
        session.flush()
        for code, descriptor in codes.items():
            add_code(session, release, code, descriptor, terms=(terms or {}).get(code))
        session.commit()


def test_first_search_builds_the_index_and_a_new_release_replaces_the_old(app: App) -> None:
    make_release(
        app,
        "cpt",
        "2025",
        date(2025, 1, 1),
        {"99991": "Synthetic zebra service, first version"},
        {"99991": ["striped horse consultation"]},
    )
    assert codes_for(app, "zebra service") == ["99991"]
    assert codes_for(app, "striped horse") == ["99991"]  # inclusion term
    # A newer release, imported without calling rebuild_search_index: the next search notices.
    make_release(
        app,
        "cpt",
        "2026",
        date(2026, 1, 1),
        {"99991": "Synthetic zebra service", "99992": "Synthetic okapi service"},
    )
    with app.sessions() as session:
        hits = search(session, "synthetic service")
        session.commit()
    assert sorted(h.code for h in hits) == ["99991", "99992"]  # once each, from the newest release
    assert all("first version" not in h.descriptor for h in hits)
    assert codes_for(app, "striped horse") == []  # the old release's inclusion term is gone


def test_rebuild_is_idempotent(app: App) -> None:
    make_release(app, "hcpcs", "2020", date(2020, 1, 1), {"J9991": "Synthetic injection of something"})
    for _ in range(2):
        with app.sessions() as session:
            rebuild_search_index(session, "hcpcs")
            session.commit()
    assert codes_for(app, "synthetic injection") == ["J9991"]


# --- PostgreSQL ---------------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_search_contract(postgres_app: App) -> None:
    with postgres_app.sessions() as session:
        load_order_file(session, "icd10cm")
        session.commit()
    make_release(
        postgres_app,
        "cpt",
        "2026",
        date(2026, 1, 1),
        {"99991": "Synthetic zebra service"},
        {"99991": ["striped horse consultation"]},
    )
    found = codes_for(postgres_app, "type 2 diabetes with diabetic chronic kidney disease")
    assert "E11.22" in found[:3], found
    assert codes_for(postgres_app, "low back pain", 3)[0] == "M54.50"
    question = "patient with type 2 diabetes and diabetic chronic kidney disease stage 3a, what first?"
    assert "E11.22" in codes_for(postgres_app, question, 5)
    assert codes_for(postgres_app, "striped horse")[0] == "99991"  # then codes with only "horse"
    for query in ['NOT "kidney', "stage 3a) OR (", "col:umn * - ^ & | !", "'; drop table code; --"]:
        codes_for(postgres_app, query)
    with postgres_app.sessions() as session:
        assert session.execute(text("SELECT to_regclass('ix_code_search')")).scalar() is not None
        plan = "\n".join(
            r[0]
            for r in session.execute(
                text(
                    "EXPLAIN SELECT id FROM code WHERE search_vector @@ to_tsquery('english', 'kidney & stage')"
                )
            )
        )
    assert "ix_code_search" in plan  # the GIN index is used
