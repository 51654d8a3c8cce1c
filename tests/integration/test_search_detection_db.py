"""Detection against the dictionary the service really builds (`load_dictionary` over the bundled sets as
the importers stored them), plus the synthetic CPT list: the labelled set must score as it does against the
raw files, so the importers' code forms and detection agree."""

from __future__ import annotations

from datetime import date

import pytest

from consultant.app import App
from consultant.codes.dictionary import CodeDictionary, load_dictionary
from tests.fixtures.detection.codesets import real_dictionary, synthetic_cpt_entries
from tests.fixtures.detection.scoring import score

pytestmark = pytest.mark.integration


def test_labelled_set_scores_the_same_on_the_imported_sets(codes_db: App) -> None:
    with codes_db.sessions() as session:
        stored = load_dictionary(session, date(2026, 1, 15))
    entries = [e for system in stored.by_system.values() for e in system.values()]
    dictionary = CodeDictionary.from_entries([*entries, *synthetic_cpt_entries()])
    for system in ("icd10cm", "icd10pcs", "hcpcs"):
        assert dictionary.size(system) > 0, system
    from_db, from_files = score(dictionary), score(real_dictionary())
    print(f"\nimported sets: {from_db.summary()}\nraw files:     {from_files.summary()}")
    assert (from_db.true_positives, from_db.false_positives, from_db.false_negatives) == (
        from_files.true_positives,
        from_files.false_positives,
        from_files.false_negatives,
    ), "\n".join(sorted(set(from_db.misses) ^ set(from_files.misses)))
    assert from_db.attributes_right == from_files.attributes_right
