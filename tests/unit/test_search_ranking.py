"""The pure parts of search: which words are searched, the relaxation levels, and the re-ranking."""

from __future__ import annotations

from consultant.codes.search import _levels, _Row, _score, procedure_words, search_words


def row(descriptor: str, *, billable: bool = True, relevance: float = 1.0, missing: int = 0) -> _Row:
    return _Row("icd10cm", "X", descriptor, billable, relevance, missing)


def test_search_words_drop_question_words_and_keep_order() -> None:
    assert search_words("Which ICD-10 code for Type 2 diabetes with CKD, type 2?") == [
        "type",
        "2",
        "diabetes",
        "ckd",
    ]
    assert search_words("what is the code?") == []


def test_levels_relax_one_word_at_a_time() -> None:
    assert _levels(["a"]) == [(0, [["a"]])]
    assert _levels(["a", "b", "c"]) == [
        (0, [["a", "b", "c"]]),
        (1, [["b", "c"], ["a", "c"], ["a", "b"]]),
        (-1, [["a"], ["b"], ["c"]]),
    ]


def score(r: _Row, query: str) -> float:
    return _score(r, search_words(query), query.lower(), 1.0)


def test_billable_beats_its_header_with_the_same_words() -> None:
    assert score(row("Low back pain, unspecified"), "low back pain") > score(
        row("Low back pain", billable=False), "low back pain"
    )


def test_covering_more_of_a_short_descriptor_wins() -> None:
    assert score(row("Essential (primary) hypertension"), "essential hypertension") > score(
        row("Pre-existing essential hypertension complicating childbirth"), "essential hypertension"
    )


def test_a_missing_word_costs_more_than_any_bonus() -> None:
    whole = row("Type 2 diabetes mellitus with diabetic chronic kidney disease", relevance=0.2)
    partial = row("Type 1 diabetes mellitus with diabetic chronic kidney disease", missing=1)
    query = "type 2 diabetes with diabetic chronic kidney disease"
    assert score(whole, query) > score(partial, query)


def test_procedure_words_speak_pcs() -> None:
    assert procedure_words(["laparoscopic", "cholecystectomy"]) == [
        "percutaneous",
        "endoscopic",
        "resection",
        "gallbladder",
    ]
    assert procedure_words(["low", "back", "pain"]) == ["low", "back", "pain"]
