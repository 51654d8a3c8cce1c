"""Code detection rule by rule, against a small dictionary (CPT numbers are synthetic: numbers only)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultant.codes.detect import detect, question_body
from consultant.codes.dictionary import CodeDictionary
from consultant.codes.values import FoundCode

DICTIONARY = CodeDictionary.from_codes(
    {
        "cpt": {
            "38241",
            "38242",
            "99213",
            "99214",
            "20610",
            "90210",
            "62701",
            "12345",
            "45385",
            "3074F",
            "0075T",
            "0037U",
            "0004M",
            "0001A",
            "99202",
            "99205",
            "00142",
        },
        "hcpcs": {"J1100", "G0121", "A0100", "J3301"},
        "icd10cm": {
            "E11.22": True,
            "E11": False,
            "N18.31": True,
            "A01.00": True,
            "J11.00": True,
            "O09.90": True,
            "I10": True,
            "S72.001A": True,
        },
        "icd10pcs": {"0FT44ZZ", "0210093"},
        "modifier": {"LT", "RT", "XS", "JW", "PT", "GA", "AT"},
    }
)


def codes(text: str) -> list[tuple[str, str]]:
    return [(f.system, f.code) for f in detect(text, DICTIONARY)]


def one(text: str) -> FoundCode:
    found = detect(text, DICTIONARY)
    assert len(found) == 1, found
    return found[0]


def test_cpt_pair_with_context_words() -> None:
    assert codes("Can I bill 38242 with 38241 on the same day?") == [("cpt", "38242"), ("cpt", "38241")]


@pytest.mark.parametrize("code", ["3074F", "0075T", "0037U", "0004M", "0001A"])
def test_cpt_lettered_categories_need_no_context(code: str) -> None:
    assert codes(f"What about {code}?") == [("cpt", code)]


def test_only_codes_in_the_release_are_kept() -> None:
    assert codes("Can I bill 38243 with 38244? Or J9999 for E11.99?") == []


def test_icd10cm_with_and_without_dot_and_in_lower_case() -> None:
    assert codes("e11.22 and N1831 and E11.-") == [
        ("icd10cm", "E11.22"),
        ("icd10cm", "N18.31"),
        ("icd10cm", "E11"),
    ]


def test_dotless_code_valid_in_two_systems_is_flagged_not_guessed() -> None:
    found = one("A0100 for the trip")
    assert (found.system, found.code, found.ambiguous) == ("hcpcs", "A0100", ("icd10cm",))
    dx = one("diagnosis a0100 from the old system")
    assert (dx.system, dx.code, dx.ambiguous) == ("icd10cm", "A01.00", ("hcpcs",))


def test_pcs_needs_pcs_context_only_when_all_digits() -> None:
    assert codes("lap chole 0ft44zz") == [("icd10pcs", "0FT44ZZ")]
    assert codes("call me at 0210093") == []
    assert codes("PCS code 0210093 for the bypass") == [("icd10pcs", "0210093")]


def test_letter_o_and_zero_are_not_folded_blindly() -> None:
    assert codes("pregnancy 009.90") == [("icd10cm", "O09.90")]  # no system has a dot after a digit
    assert codes("OFT44ZZ typed with an O") == [("icd10pcs", "0FT44ZZ")]  # PCS never uses O
    assert codes("CPT 00142 anesthesia") == [("cpt", "00142")]  # a zero stays a zero


@pytest.mark.parametrize(
    "text",
    [
        "Our office is at 1 Main St, Springfield, IL 62701.",
        "Our ZIP code is 90210.",
        "zip 90210",
        "Paid $12345 last month",
        "Claim #12345 was denied",
        "Member ID 12345",
        "Account number 12345 is due",
        "The ZIP+4 is 90210-1234",
        "Phone 555-12345",
        "Version 1.12345",
        "https://example.com/12345/x",
        "We see 12345 patients a year",
        "We paid 12345 for the machine",
        "The date 2025-01-01 and 01/02/2025",
        "My NPI is 1234567893",
    ],
)
def test_five_digit_distractors_are_refused(text: str) -> None:
    assert codes(text) == []


def test_five_digit_number_with_a_neighbour_code_is_kept() -> None:
    assert codes("38241 and 38242 on the same day?") == [("cpt", "38241"), ("cpt", "38242")]
    assert codes("Is 20610 ok after G0121?") == [("cpt", "20610"), ("hcpcs", "G0121")]


def test_explicit_label_beats_a_negative_word() -> None:
    assert codes("the zip for CPT 90210") == [("cpt", "90210")]
    assert codes("CPT #99213 and claim #12345") == [("cpt", "99213")]


def test_range_gives_both_ends() -> None:
    assert codes("Codes 99202-99205 for new patients") == [("cpt", "99202"), ("cpt", "99205")]


def test_codes_listed_with_a_slash_or_comma_and_no_space() -> None:
    assert codes("bill 99213/99214?") == [("cpt", "99213"), ("cpt", "99214")]
    assert codes("bill 38241,38242,99213") == [("cpt", "38241"), ("cpt", "38242"), ("cpt", "99213")]
    assert codes("see https://x.org/files/38241/38242/report") == []
    assert codes("bill 12345.00 or 12345,6") == []


def test_hyphen_modifiers_attach_to_the_code() -> None:
    assert one("Use 38242-59 here?").modifiers == ("59",)
    assert one("20610-RT and 20610-LT").modifiers == ("RT", "LT")
    assert one("j1100 - jw wastage").modifiers == ("JW",)
    assert one("45385-PT-33?").modifiers == ("PT", "33")


def test_modifier_words_attach_or_stand_alone() -> None:
    assert one("bill 38242 with modifier 59").modifiers == ("59",)
    assert one("append modifier 25 to 99213").modifiers == ("25",)
    assert one("telehealth with the 95 modifier on 99214").modifiers == ("95",)
    found = detect("99214 and 20610: is modifier 25 needed?", DICTIONARY)
    assert [(f.system, f.code, f.modifiers) for f in found] == [
        ("cpt", "99214", ()),
        ("cpt", "20610", ()),
        ("modifier", "25", ()),
    ]


def test_modifier_look_alikes_are_not_modifiers() -> None:
    assert one("a 59 y/o got 25 units of 20610 billed").modifiers == ()
    assert codes("is there a modifier at all for 99213?") == [("cpt", "99213")]
    assert one("99213 with modifier AT").modifiers == ("AT",)
    assert one("20610-ZZ billed").modifiers == ()  # ZZ is no modifier: the code stays, the suffix does not
    assert codes("20610-67 billed") == []  # digits after a hyphen that are no modifier: a number, not a code


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("J1100 x2", 2),
        ("J1100 x 2 units", 2),
        ("J1100x3", 3),
        ("J1100 (4 units)", 4),
        ("J1100 billed 5 units", 5),
        ("2 units of J1100", 2),
        ("J3301 x 4.", 4),
        ("J1100", None),
    ],
)
def test_units(text: str, units: int | None) -> None:
    assert one(text).units == units


def test_duplicates_merge_in_order_of_first_mention() -> None:
    found = detect("E11.22, then 99213, then E11.22 again and 99213-25", DICTIONARY)
    assert [(f.code, f.modifiers) for f in found] == [("E11.22", ()), ("99213", ("25",))]
    assert found[0].text == "E11.22"


def test_quoted_lines_and_signature_are_ignored() -> None:
    text = "Can I bill 99213?\n> 38242 was in the quote\n-- \nSuite 12345\nJ1100"
    assert codes(text) == [("cpt", "99213")]
    assert question_body("a\nOn Mon, Jan 5, 2026 at 9:00 AM X wrote:\n> b") == "a"


def test_the_whole_question_may_be_just_a_number() -> None:
    assert codes("99213?") == [("cpt", "99213")]


PIECES = st.sampled_from([*"0123456789 -.$#xXABEJO/\n>", "99213", "E11.22", " with ", "modifier "])


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_never_raises_and_only_returns_known_codes(text: str) -> None:
    for found in detect(text, DICTIONARY):
        assert DICTIONARY.has(found.system, found.code) or found.system == "modifier"


def test_long_text_is_linear_not_quadratic() -> None:
    import time

    numbers = " ".join(f"{n:05d}" for n in range(10000, 30000))  # 20,000 neighbours of each other
    dictionary = CodeDictionary.from_codes({"cpt": {f"{n:05d}" for n in range(10000, 30000)}})
    started = time.perf_counter()
    found = detect(numbers + " modifier 25 on 10000" * 2000, dictionary)
    assert len(found) == 20000
    assert time.perf_counter() - started < 5.0  # about 1 s; the quadratic version took over 20 s
