"""The same importers and facts on PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consultant.app import App
from consultant.codes.bundled import ensure_bundled_codesets
from consultant.codes.db_service import DbCodeService
from consultant.codes.importers import ImportRequest, run_import
from consultant.codes.values import FoundCode
from consultant.models.codes import Code

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


def load(app: App, kind: str, name: str, **options: object):  # type: ignore[no-untyped-def]
    return run_import(app.sessions, ImportRequest(kind, (FIXTURES / name,), **options))  # type: ignore[arg-type]


def test_imports_and_facts_on_postgres(postgres_app: App) -> None:
    load(postgres_app, "icd10cm-xml", "icd10cm_tabular_sample.xml")
    load(postgres_app, "cpt-long", "LONGULT_synthetic.txt")
    load(postgres_app, "ncci-ptp", "ccipra-v322r0-f1_synthetic.txt")
    load(postgres_app, "mue", "MCR_MUE_PractitionerServices_Eff_07-01-2026_synthetic.csv")
    assert load(postgres_app, "ncci-ptp", "ccipra-v322r0-f1_synthetic.txt").already_loaded
    service = DbCodeService(postgres_app.sessions)
    facts = service.facts([FoundCode("cpt", "38241"), FoundCode("cpt", "38242")], date(2020, 6, 1))
    assert [(e.column1, e.column2, e.modifier_indicator) for e in facts.edits] == [("38241", "38242", "0")]
    assert facts.codes[1].mue is not None and facts.codes[1].mue.value == 1
    assert service.facts([FoundCode("cpt", "38241"), FoundCode("cpt", "38242")], date(2026, 1, 2)).edits == ()
    dx = service.facts([FoundCode("icd10cm", "E11.22"), FoundCode("icd10cm", "E10.9")], date(2026, 1, 2))
    assert any(h.startswith("Excludes1 conflict: E11.22 and E10.9") for h in dx.hints)
    assert service.dictionary(date(2026, 1, 2)).canonical("icd10cm", "e1122") == "E11.22"


@pytest.mark.slow
def test_bundled_sets_on_postgres(postgres_app: App) -> None:
    outcomes = ensure_bundled_codesets(postgres_app.sessions)
    assert [(o.system, o.rows) for o in outcomes] == [
        ("icd10cm", 74_719),
        ("icd10pcs", 79_115),
        ("hcpcs", 7_079),
    ]
    assert ensure_bundled_codesets(postgres_app.sessions) == []
    with postgres_app.sessions() as s:
        n = s.scalar(select(func.count()).where(Code.system == "icd10cm", Code.billable.is_(True)))
    assert n == 74_719
