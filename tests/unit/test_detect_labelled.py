"""Precision and recall of detection over the labelled sentences, against the REAL bundled ICD-10-CM,
ICD-10-PCS and HCPCS files plus a synthetic CPT list in which every five-digit number is a code (so a
ZIP or an account number is always a dictionary hit and only context can refuse it).

Two splits. "tune" (284 sentences) was written first and the rules were adjusted while reading its misses;
"holdout" (71 sentences) was written after the rules were frozen and scored once (two labels were then
corrected where the label, not the detector, broke the written rules: J3489 is also ICD-10-CM J34.89, and
"modifier QW on 87880" attaches QW to 87880). Measured when written:
  tune     precision 0.997, recall 0.991 (1 false: "lab at 02139"; 3 missed)
  holdout  precision 1.000, recall 0.931 (6 missed: five-digit codes with no context word and no other code
           near, e.g. "Suture removal 15851 under anesthesia", "re: 99285"; and 99214 next to G2211, which
           the 2020 HCPCS release does not have)
The misses are the price of refusing ZIPs and account numbers: a bare five-digit number needs a reason.
Floors sit a little under those figures, so a regression fails and today's honest misses do not.
Run with -s to see the figures and every miss.
"""

from __future__ import annotations

import pytest

from tests.fixtures.detection.codesets import codeset_file, real_dictionary
from tests.fixtures.detection.scoring import Score, labelled, score

TUNED_PRECISION, TUNED_RECALL = 0.99, 0.98  # "tune" split: the rules were adjusted while reading it
HOLDOUT_PRECISION, HOLDOUT_RECALL = 0.97, 0.90  # "holdout" split: written after the rules were frozen
ATTRIBUTES = 0.95  # modifiers, units and ambiguity right, among the codes found


@pytest.fixture(scope="module")
def scores() -> dict[str, Score]:
    if codeset_file("icd10cm_order_2026.zip") is None:
        pytest.fail("the bundled code-set files are missing")
    dictionary = real_dictionary()
    return {split: score(dictionary, split) for split in ("tune", "holdout")}


def test_the_set_is_big_enough_and_has_distractors() -> None:
    cases = labelled()
    assert len(cases) >= 200
    assert sum(1 for c in cases if not c["expected"]) >= 50  # sentences with no code at all


def test_precision_and_recall_on_the_tuned_split(scores: dict[str, Score]) -> None:
    s = scores["tune"]
    print(f"\ntune: {s.summary()}\n" + "\n".join(s.misses))
    assert s.precision >= TUNED_PRECISION
    assert s.recall >= TUNED_RECALL
    assert s.attribute_accuracy >= ATTRIBUTES


def test_precision_and_recall_on_the_holdout_split(scores: dict[str, Score]) -> None:
    s = scores["holdout"]
    print(f"\nholdout: {s.summary()}\n" + "\n".join(s.misses))
    assert s.sentences >= 50
    assert s.precision >= HOLDOUT_PRECISION
    assert s.recall >= HOLDOUT_RECALL
    assert s.attribute_accuracy >= ATTRIBUTES
