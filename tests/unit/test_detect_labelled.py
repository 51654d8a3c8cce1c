"""Precision and recall of detection over the labelled sentences, against the REAL bundled ICD-10-CM,
ICD-10-PCS and HCPCS files plus a synthetic CPT list in which every five-digit number is a code (so a
ZIP or an account number is always a dictionary hit and only context can refuse it).

Three splits, each written before it was first scored:
  tune      284 sentences, written first; the rules were adjusted while reading its misses.
  holdout    71 sentences, written after the rules were frozen; scored once: precision 1.000, recall 0.931
            (two labels then corrected where the label broke the written rules: J3489 is also ICD-10-CM
            J34.89; "modifier QW on 87880" attaches QW to 87880).
  holdout2   40 sentences, written later the same way; scored once: precision 1.000, recall 0.979 (one label
            corrected: "99406 need the 25 modifier" attaches 25); its one units miss ("billed at 10 units")
            was then fixed in the units rule.
Figures now: tune 0.997 / 0.991; holdout 1.000 / 0.931; holdout2 1.000 / 0.979 (precision / recall).
The misses left are five-digit codes with no context word and no other code near ("Suture removal 15851
under anesthesia", "re: 99285", "fee for 99214"): the price of refusing ZIPs and account numbers, which
needs a reason for a bare five-digit number. The one false positive is "lab at 02139" next to two codes.
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
    return {split: score(dictionary, split) for split in ("tune", "holdout", "holdout2")}


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


@pytest.mark.parametrize("split", ["holdout", "holdout2"])
def test_precision_and_recall_on_the_held_out_splits(scores: dict[str, Score], split: str) -> None:
    s = scores[split]
    print(f"\n{split}: {s.summary()}\n" + "\n".join(s.misses))
    assert s.sentences >= 40
    assert s.precision >= HOLDOUT_PRECISION
    assert s.recall >= HOLDOUT_RECALL
    assert s.attribute_accuracy >= ATTRIBUTES
