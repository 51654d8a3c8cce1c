"""Tabular notes: inheritance with labels, code references in notes, Excludes1 and sequencing hints."""

from __future__ import annotations

from consultant.codes.notes import CodeRef, Level, code_refs, diagnosis_hints, merged_notes


def test_code_refs_read_single_codes_categories_and_ranges() -> None:
    refs = code_refs("code to identify stage of chronic kidney disease (N18.1-N18.6)")
    assert refs == [CodeRef("N181", "N186")]
    assert code_refs("hypertensive chronic kidney disease (I12.-, I13.-)") == [CodeRef("I12"), CodeRef("I13")]
    assert code_refs("insulin (Z79.4)") == [CodeRef("Z794")]
    assert code_refs("gestational diabetes (O24.4-)") == [CodeRef("O244")]
    assert code_refs("no code here, just words") == []


def test_a_range_covers_codes_between_its_ends_and_their_children() -> None:
    stage = CodeRef("N181", "N186")
    assert stage.covers("N18.31")
    assert stage.covers("N18.6")
    assert stage.covers("N18.1")
    assert not stage.covers("N18.9")
    assert not stage.covers("N17.0")
    assert CodeRef("E10").covers("E10.9")
    assert not CodeRef("E10").covers("E11.9")


def test_merged_notes_label_what_comes_from_above() -> None:
    levels = [
        Level("E11.22", {"use_additional_code": ["stage of CKD (N18.1-N18.6)"]}),
        Level("E11.2", {}),
        Level(
            "E11", {"excludes1": ["type 1 diabetes mellitus (E10.-)"], "inclusion_terms": ["not inherited"]}
        ),
        Level("Chapter 4", {"excludes1": ["newborn disorders (P70-P74)"]}),
    ]
    merged = merged_notes(levels)
    assert merged["use_additional_code"] == ["stage of CKD (N18.1-N18.6)"]
    assert merged["excludes1"] == [
        "(at E11) type 1 diabetes mellitus (E10.-)",
        "(at Chapter 4) newborn disorders (P70-P74)",
    ]
    assert "inclusion_terms" not in merged


def test_seventh_characters_come_from_the_nearest_definition() -> None:
    merged = merged_notes(
        [
            Level("S72.001A", {}),
            Level("S72.0", {"seven_chr": ["A: near"]}),
            Level("S72", {"seven_chr": ["A: far"]}),
        ]
    )
    assert merged["seven_chr"] == ["A: near"]


def test_excludes1_conflict_between_codes_asked_together() -> None:
    hints = diagnosis_hints(
        {
            "E11.9": {"excludes1": ["(at E11) type 1 diabetes mellitus (E10.-)"]},
            "E10.9": {"excludes1": ["(at E10) type 2 diabetes mellitus (E11.-)"]},
        }
    )
    conflicts = [h for h in hints if h.startswith("Excludes1 conflict")]
    assert len(conflicts) == 2
    assert "E11.9 and E10.9" in conflicts[0]


def test_no_conflict_for_unrelated_codes() -> None:
    hints = diagnosis_hints({"E11.9": {"excludes1": ["type 1 (E10.-)"]}, "I10": {}})
    assert hints == []


def test_use_additional_code_says_when_another_code_answers_it() -> None:
    notes = {
        "E11.22": {"use_additional_code": ["code to identify stage of chronic kidney disease (N18.1-N18.6)"]},
        "N18.31": {"code_first": ["(at N18) diabetic chronic kidney disease (E08.22, E11.22)"]},
    }
    hints = diagnosis_hints(notes)
    assert any(
        h.startswith("E11.22: use additional code") and "N18.31 asked about answers this" in h for h in hints
    )
    assert any(h.startswith("N18.31: code first") and "E11.22 asked about answers this" in h for h in hints)
    alone = diagnosis_hints({"E11.22": notes["E11.22"]})
    assert alone == [
        "E11.22: use additional code: code to identify stage of chronic kidney disease (N18.1-N18.6)"
    ]


def test_the_inherited_label_is_not_a_code_the_note_is_about() -> None:
    from consultant.codes.notes import covering_note

    # "(at S72)" says where the note comes from; S72.001D is not excluded by a note about S78.-.
    assert covering_note(["(at S72) traumatic amputation of hip and thigh (S78.-)"], "S72.001D") is None
    assert covering_note(["(at E11) type 1 diabetes mellitus (E10.-)"], "E10.9") is not None
