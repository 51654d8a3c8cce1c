"""The vocabulary of code detection: candidate patterns and the words that make a number a code, or not.

Kept apart from `detect.py` so the rules can be read (and argued about) without the machinery.
Syntax follows `shared/reference/coding-data.md` §3. All patterns are compiled once, at import.
"""

from __future__ import annotations

import re

# One pass over the text finds every token that could be a code: 3–7 letters/digits holding a digit
# (or seven capitals, for the few all-letter ICD-10-PCS codes), optionally with a dotted ICD-10-CM tail
# or the "whole category" mark `E11.-`. Everything else (which system, is it in the release, does the
# context allow it) is decided per token in Python, where each rule can be named.
CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9_])"
    r"(?=[A-Za-z]{0,6}\d|[A-Z]{7}(?![A-Za-z0-9_]))"
    r"([A-Za-z0-9]{3,7})"
    r"(\.(?:[A-Za-z0-9]{1,4}(?![A-Za-z0-9_])|-)|(?![A-Za-z0-9_]))"
)

FIVE_DIGITS = re.compile(r"\d{5}")
CPT_LETTERED = re.compile(r"\d{4}F|0\d{3}[TUMA]")  # Category II, III, PLA, MAAA, vaccine administration
LETTER_FOUR_DIGITS = re.compile(r"[A-Z]\d{4}")  # HCPCS Level II shape (also a dotless ICD-10-CM shape)
CM_DOTLESS = re.compile(r"[A-Z]\d[0-9A-Z]{1,5}")
CM_HEAD = re.compile(r"[A-Z]\d[0-9A-Z]")
CM_TAIL = re.compile(r"[0-9A-Z]{1,4}")
CM_ZERO_FOR_O = re.compile(r"0\d[0-9A-Z]")  # "009.90": the letter O typed as zero (chapter 15)
PCS = re.compile(r"[0-9A-HJ-NP-Z]{7}")
PCS_WITH_O = re.compile(r"[0-9A-HJ-NOP-Z]{7}")  # PCS never uses O, so an O there can only be a zero
CODE_X_UNITS = re.compile(r"(\d{5}|\d{4}[A-Z]|[A-Z]\d{4})X(\d{1,2})")  # "J1100x2" written as one word


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# What may stand right before / after a number for it to be read as a code at all.
DIGITS_BAD_BEFORE = frozenset("$#.,/-")  # $12500, #38242, 1.38242, 1,38242, 1/38242, 2025-
DIGITS_BAD_AFTER = re.compile(
    r"/(?!\d{5}(?![\w/]))|\.\d|,(?!\d{5}(?!\w))\d|\s?-\s?\d{1,4}(?!\d)|%"
)  # 12345/6, 12345.00, 12345,6, 12345-6789; but "99213/99214" and "99213,99214" are lists of codes
# The second end of "99202-99205", or the next item of "99213/99214", "99213,99214".
DIGITS_PAIR_BEFORE = re.compile(r"(?<![\w/.$#-])\d{5}(?:\s?[-–]\s?|[/,])$")
ALPHA_BAD_BEFORE = frozenset("$.")

# Modifiers: attached with a hyphen to a procedure code, or after "mod"/"modifier".
MODIFIER_SHAPE = re.compile(r"\d{2}|[A-Z][A-Z0-9]|\d[A-Z]")
ATTACHED_MODIFIER = re.compile(r"\s?[-–]\s?([A-Za-z0-9]{2})(?![A-Za-z0-9_]|[.,]\d)")
MODIFIER_PHRASE = re.compile(
    r"\b(?:mod|mods|modifier|modifiers)\b\.?\s*(?:[#:]\s*)?"
    r"([A-Za-z0-9]{2}(?![A-Za-z0-9_])"
    r"(?:\s*(?:,|/|&|\+|\band\b|\bor\b)\s*[A-Za-z0-9]{2}(?![A-Za-z0-9_]))*)",
    re.IGNORECASE,
)
# "the 25 modifier", "an XS modifier": how coders say it. Letters only as capitals ("go modifier" is prose).
MODIFIER_BEFORE_WORD = re.compile(r"(?<![\w-])(\d{2}|[A-Z][A-Z0-9]|\d[A-Z])\s+(?:mod|modifier)\b")
MODIFIER_LIST_ITEM = re.compile(r"[A-Za-z0-9]{2}(?![A-Za-z0-9_])")
# Between a code and "modifier 59" that belongs to it: "38242 with modifier 59", "99214, mod 25".
MODIFIER_JOIN_AFTER_CODE = re.compile(
    r"\s*(?:,\s*)?(?:(?:with|w/|plus|using|and|\+|append(?:ed)?|add(?:ed)?|needs?|carry|carries|gets?|takes?"
    r"|requires?|have|has|billed with)\s*)?(?:(?:a|an|the)\s+)?$",
    re.IGNORECASE,
)
# Between "modifier 25" and the code it goes on: "modifier 25 on 99214", "mod 59 to 38242".
MODIFIER_JOIN_BEFORE_CODE = re.compile(
    r"^\s*(?:(?:on|to|with|for|onto)\s+)(?:(?:the|a|cpt|code|line)\s+){0,3}$",
    re.IGNORECASE,
)
# Numeric CPT modifiers and Category II / anesthesia ones, accepted even when no AMA modifier file is
# loaded (numbers only; no AMA text). Alphanumeric HCPCS modifiers must be in the loaded release.
CPT_MODIFIERS = _words(
    """
    22 23 24 25 26 27 32 33 47 50 51 52 53 54 55 56 57 58 59 62 63 66 73 74 76 77 78 79 80 81 82 90 91
    92 93 95 96 97 99 1P 2P 3P 8P P1 P2 P3 P4 P5 P6
    """
)
# Modifiers that are also English words: written in lower case, they are the word.
MODIFIER_WORDS = _words(
    """
    AA AD AE AG AH AI AM AS AT BA BO CA CO DA ED EE EM ER ET EX GO HA HE HI KO MA ME NB NU PA PI PO
    PT QT RE SA SE SO ST TA TO UP US
    """
)

# Units: "J1100 x2", "J1100 x 2 units", "J1100 (3 units)", "J1100 for 10 units", "2 units of J1100".
UNITS_AFTER = re.compile(
    r"\s*(?:"
    r"[x×*]\s?(\d{1,4})(?!\d|\.\d)(?:\s*units?\b)?"
    r"|\(\s*(\d{1,4})\s*(?:units?|u)\s*\)"
    r"|,?\s*(?:(?:billed|given|for|with|at|of)\s+){0,2}(\d{1,4})\s*units?\b"
    r"|\s*units?\s*[:=]?\s*(\d{1,4})(?!\d|\.\d)"
    r")",
    re.IGNORECASE,
)
UNITS_BEFORE = re.compile(r"(?<![\w.$])(\d{1,4})\s*(?:(?:units?|u)\s+(?:of\s+)?|[x×]\s*)$", re.IGNORECASE)

# Five-digit numbers: a CPT Category I code only with a reason (reference §3, ambiguity 1).
WORD = re.compile(r"[A-Za-z][A-Za-z/®-]*|[+&]")
MONEY_OR_NUMBER_SIGN_BEFORE = re.compile(r"[$#]\s*$")
LABEL_HASH_BEFORE = re.compile(r"\b(?:cpt|hcpcs|code)®?\s*#\s*$", re.IGNORECASE)  # "CPT #99213" is a code
LAST_DIGIT = re.compile(r".*\d", re.DOTALL)
EXPLICIT_LABEL = frozenset({"cpt", "cpt®", "hcpcs", "cpt/hcpcs", "hcpcs/cpt", "e/m", "em"})
POSITIVE_WORDS = _words(
    """
    cpt cpt® hcpcs code codes coded coding bill bills billed billing billable charge charged charges
    with w/ plus + & vs versus report reported reporting append appended modifier modifiers mod unit
    units procedure procedures proc service services visit visits e/m em add-on addon bundle bundled
    bundling unbundle ncci mue mues ptp edit edits column performed rvu rvus payable reimbursed
    reimbursement denied denial submit submitted use using used level cci global postop post-op active
    reportable allowed deleted covered valid
    """
)
NEGATIVE_BEFORE = _words(
    """
    zip zipcode zip-code postal postcode suite ste apt box street st ave avenue road rd blvd drive lane
    ln hwy highway floor building bldg phone ph tel telephone fax cell mobile ext extension call npi tin
    ein tax taxid ssn id account acct member mbr policy group grp invoice inv ref reference ticket case
    order po confirmation conf auth authorization mrn chart dob born batch check cheque eft trace icn
    dcn tcn routing license lic dea serial model lot ndc version room rm employee pin number no num nbr
    usd dollars pobox address addr
    """
)
NEGATIVE_AFTER = _words(
    """
    dollars dollar usd bucks patients people persons members employees residents miles feet ft lbs
    pounds steps users beds claims visitors calories kg mg
    """
)
# A state abbreviation right before a number is an address: "Springfield, IL 62701".
STATE_BEFORE = re.compile(
    r"\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR)\.?,?\s+$"
)
CONTEXT_BEFORE_CHARS = 60
CONTEXT_AFTER_CHARS = 40
NEIGHBOUR_CHARS = 50
NEGATIVE_BEFORE_WORDS = 3

# ICD-10-PCS codes that are all digits look like phone numbers: only with "PCS" nearby.
PCS_CONTEXT = re.compile(r"pcs", re.IGNORECASE)
PCS_CONTEXT_CHARS = 100

# Words that say which system a dotless code, valid in two, was meant in (it stays flagged ambiguous).
SYSTEM_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("icd10pcs", re.compile(r"\bpcs\b", re.IGNORECASE)),
    ("icd10cm", re.compile(r"\b(?:icd|icd-?10(?:-?cm)?|dx|diagnos\w*|diag)\b", re.IGNORECASE)),
    ("hcpcs", re.compile(r"\b(?:hcpcs|supply|supplies|dme|injection|drug)\b", re.IGNORECASE)),
)
SYSTEM_HINT_CHARS = 60

# Where the question ends if intake left the rest of the mail in.
SIGNATURE_OR_QUOTE_START = re.compile(
    r"^(?:--\s*|-{2,}\s*original message\s*-{2,}|on .{0,200} wrote:|_{10,})$", re.IGNORECASE
)
