"""Find the codes a question names: candidates by pattern, kept only when the loaded release has them.

A pure function over a string and a dictionary of valid codes (`CodeDictionary`, or anything with the
same `has`/`canonical`). The rules, from `shared/reference/coding-data.md` §3:

- CPT Category I (five digits), II (`1234F`), III (`0123T`), PLA (`0123U`), `0123M`, `0123A`;
  HCPCS Level II (letter + 4 digits); ICD-10-CM with the dot, the dotless form only when the release
  has it, `E11.-` for a category; ICD-10-PCS (seven characters; all-digit ones only near "PCS").
- A five-digit number is a code only with a reason: a modifier or units attached, a word such as CPT,
  bill, code, with, "+", or another code nearby; ZIP, phone, account, claim, NPI, money words refuse it.
- A dotless string valid in two systems (A0100: HCPCS taxi, ICD-10-CM A01.00) keeps both: the one
  the context hints at (else the shape's own system) is `system`, the others go in `ambiguous`.
- Modifiers count only hyphen-attached (`38242-59`) or after "mod"/"modifier"; units after `x` or
  with the word "unit(s)". Case is normalised; a zero is read as the letter O only where no code
  system could mean the zero (`009.90` → O09.90; an O inside a PCS code → 0).
- Quoted lines (`>`) and everything after a signature or "On … wrote:" are ignored.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from typing import Protocol

from consultant.codes import detect_rules as R
from consultant.codes.values import FoundCode

PROCEDURE_SYSTEMS = ("cpt", "hcpcs")
# When a bare string is valid in several systems and nothing hints otherwise, its shape decides.
SHAPE_PRIORITY = ("cpt", "hcpcs", "icd10pcs", "icd10cm")
MODIFIER_SYSTEM = "modifier"


class CodeLookup(Protocol):
    """What detection needs of the loaded release (see `consultant.codes.dictionary.CodeDictionary`)."""

    def has(self, system: str, code: str) -> bool: ...

    def canonical(self, system: str, raw: str) -> str | None: ...


@dataclass
class _Mention:
    start: int
    end: int  # end of the code itself
    text: str
    system: str
    code: str
    ambiguous: tuple[str, ...] = ()
    weak: bool = False  # a bare five-digit number: needs context
    needs_pcs_context: bool = False
    modifiers: list[str] = field(default_factory=list)
    units: int | None = None
    tail: int = 0  # end of the code with its attached modifiers and units

    @property
    def is_procedure(self) -> bool:
        return self.system in PROCEDURE_SYSTEMS or any(s in PROCEDURE_SYSTEMS for s in self.ambiguous)


def detect(text: str, dictionary: CodeLookup) -> list[FoundCode]:
    """Codes named in `text`, in order of first mention, each once."""
    body = question_body(text)
    mentions = [m for m in (_mention(body, match, dictionary) for match in R.CANDIDATE.finditer(body)) if m]
    for mention in mentions:
        _attach_modifiers_and_units(body, mention, dictionary)
    standalone = _modifier_phrases(body, mentions, dictionary)
    kept = _keep_in_context(body, mentions)
    return _merge(kept, standalone)


def question_body(text: str) -> str:
    """The question itself: without quoted lines, and without whatever follows a signature or a quote."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if R.SIGNATURE_OR_QUOTE_START.match(stripped):
            break
        if stripped.startswith(">"):
            continue
        lines.append(line)
    return "\n".join(lines)


# --- candidates -------------------------------------------------------------------------------------


def _mention(body: str, match: re.Match[str], dictionary: CodeLookup) -> _Mention | None:
    token, tail = match.group(1), match.group(2)
    start, end = match.start(), match.end()
    upper = token.upper()
    units: int | None = None
    if tail:
        hits = _dotted(upper, tail.upper(), dictionary)
    else:
        if not _bounded(body, start, end, upper):
            return None
        hits = _bare(upper, dictionary)
        if not hits and (glued := R.CODE_X_UNITS.fullmatch(upper)):
            hits, units = _bare(glued.group(1), dictionary), int(glued.group(2))
    if not hits:
        return None
    system = _choose_system([s for s, _ in hits], body, start, end)
    code = dict(hits)[system]
    ambiguous = tuple(s for s, _ in hits if s != system)
    return _Mention(
        start=start,
        end=end,
        text=body[start:end],
        system=system,
        code=code,
        ambiguous=ambiguous,
        weak=system == "cpt" and R.FIVE_DIGITS.fullmatch(code) is not None and not ambiguous,
        needs_pcs_context=system == "icd10pcs" and code.isdigit() and not ambiguous,
        units=units,
        tail=end,
    )


def _bounded(body: str, start: int, end: int, upper: str) -> bool:
    """Refuse a token glued to money, paths, dates or ZIP+4: `$12500`, `12345-6789`, `1/38242`; but not
    the items of "99202-99205", "99213/99214", "99213,99214"."""
    before = body[start - 1] if start else " "
    if upper.isdigit():
        if (
            before in R.DIGITS_BAD_BEFORE
            and not R.DIGITS_PAIR_BEFORE.search(body, max(0, start - 12), start)
            and not R.LABEL_HASH_BEFORE.search(body, max(0, start - 12), start)
        ):
            return False
        # A hyphen-attached modifier ("38242-59") looks like ZIP+4 here; it is checked again once the
        # modifiers are parsed (see _attach_modifiers_and_units).
        return not R.DIGITS_BAD_AFTER.match(body, end) or _modifier_follows(body, end)
    return before not in R.ALPHA_BAD_BEFORE


def _modifier_follows(body: str, end: int) -> bool:
    found = R.ATTACHED_MODIFIER.match(body, end)
    return bool(found and found.group(1).upper() in R.CPT_MODIFIERS)


def _dotted(head: str, tail: str, dictionary: CodeLookup) -> list[tuple[str, str]]:
    if tail == ".-":  # "E11.-": the whole category
        return _lookup(dictionary, "icd10cm", head) if R.CM_HEAD.fullmatch(head) else []
    rest = tail[1:]
    if not R.CM_TAIL.fullmatch(rest):
        return []
    if R.CM_HEAD.fullmatch(head):
        return _lookup(dictionary, "icd10cm", f"{head}.{rest}")
    if R.CM_ZERO_FOR_O.fullmatch(head):  # no code system puts a dot after a leading digit
        return _lookup(dictionary, "icd10cm", f"O{head[1:]}.{rest}")
    return []


def _bare(upper: str, dictionary: CodeLookup) -> list[tuple[str, str]]:
    hits: list[tuple[str, str]] = []
    if R.FIVE_DIGITS.fullmatch(upper) or R.CPT_LETTERED.fullmatch(upper):
        hits += _lookup(dictionary, "cpt", upper)
    if R.LETTER_FOUR_DIGITS.fullmatch(upper):
        hits += _lookup(dictionary, "hcpcs", upper)
    if R.CM_DOTLESS.fullmatch(upper):  # dotless ICD-10-CM: the dictionary alone decides
        hits += _lookup(dictionary, "icd10cm", upper)
    if len(upper) == 7:
        if R.PCS.fullmatch(upper):
            hits += _lookup(dictionary, "icd10pcs", upper)
        elif "O" in upper and R.PCS_WITH_O.fullmatch(upper):
            hits += _lookup(dictionary, "icd10pcs", upper.replace("O", "0"))
    return hits


def _lookup(dictionary: CodeLookup, system: str, raw: str) -> list[tuple[str, str]]:
    code = dictionary.canonical(system, raw)
    return [(system, code)] if code else []


def _choose_system(systems: list[str], body: str, start: int, end: int) -> str:
    if len(systems) == 1:
        return systems[0]
    near = body[max(0, start - R.SYSTEM_HINT_CHARS) : end + R.SYSTEM_HINT_CHARS]
    for system, hint in R.SYSTEM_HINTS:
        if system in systems and hint.search(near):
            return system
    return min(systems, key=SHAPE_PRIORITY.index)


# --- modifiers and units ----------------------------------------------------------------------------


def valid_modifier(raw: str, dictionary: CodeLookup) -> str | None:
    """The modifier in upper case if it is one; English words written in lower case are not."""
    upper = raw.upper()
    if not R.MODIFIER_SHAPE.fullmatch(upper):
        return None
    if upper in R.MODIFIER_WORDS and raw != upper:
        return None
    if upper in R.CPT_MODIFIERS or dictionary.has(MODIFIER_SYSTEM, upper):
        return upper
    return None


def _attach_modifiers_and_units(body: str, mention: _Mention, dictionary: CodeLookup) -> None:
    if not mention.is_procedure:
        return
    pos = mention.end
    while found := R.ATTACHED_MODIFIER.match(body, pos):
        modifier = valid_modifier(found.group(1), dictionary)
        if modifier is None:
            break
        if modifier not in mention.modifiers:
            mention.modifiers.append(modifier)
        pos = found.end()
    if mention.units is None:
        if after := R.UNITS_AFTER.match(body, pos):
            mention.units = int(next(g for g in after.groups() if g))
            pos = after.end()
        elif before := R.UNITS_BEFORE.search(body, max(0, mention.start - 24), mention.start):
            mention.units = int(before.group(1))
    mention.tail = pos


def _modifier_phrases(
    body: str, mentions: list[_Mention], dictionary: CodeLookup
) -> list[tuple[int, FoundCode]]:
    """ "38242 with modifier 59" attaches 59 to 38242; "is modifier 25 needed?" names modifier 25 alone."""
    standalone: list[tuple[int, FoundCode]] = []
    procedures = [m for m in mentions if m.is_procedure]
    tails, starts = [m.tail for m in procedures], [m.start for m in procedures]
    for start, end, said, items in _phrases(body):
        modifiers = [m for m in (valid_modifier(i, dictionary) for i in items) if m]
        if not modifiers:
            continue
        owner = _owner(body, procedures, tails, starts, start, end)
        for modifier in modifiers:
            if owner is not None:
                if modifier not in owner.modifiers:
                    owner.modifiers.append(modifier)
            else:
                standalone.append((start, FoundCode(MODIFIER_SYSTEM, modifier, text=said)))
    return standalone


def _phrases(body: str) -> list[tuple[int, int, str, list[str]]]:
    """ "modifier 59", "mods 25 and 57", "the 25 modifier": (start, end, text, modifiers as written)."""
    found = [
        (p.start(), p.end(), p.group(0), R.MODIFIER_LIST_ITEM.findall(p.group(1)))
        for p in R.MODIFIER_PHRASE.finditer(body)
    ]
    found += [(p.start(), p.end(), p.group(0), [p.group(1)]) for p in R.MODIFIER_BEFORE_WORD.finditer(body)]
    return found


def _owner(
    body: str, procedures: list[_Mention], tails: list[int], starts: list[int], start: int, end: int
) -> _Mention | None:
    """The code a modifier phrase belongs to: the one right before it ("38242 with modifier 59"), else the
    one right after it ("modifier 25 on 99214"). Mentions are in text order, so bisect finds both."""
    before = bisect_right(tails, start) - 1
    if before >= 0 and _joins_after(body, procedures[before].tail, start):
        return procedures[before]
    after = bisect_left(starts, end)
    if after < len(procedures) and _joins_before(body, end, procedures[after].start):
        return procedures[after]
    return None


def _joins_after(body: str, code_end: int, phrase_start: int) -> bool:
    return phrase_start - code_end <= 24 and bool(
        R.MODIFIER_JOIN_AFTER_CODE.match(body[code_end:phrase_start])
    )


def _joins_before(body: str, phrase_end: int, code_start: int) -> bool:
    return code_start - phrase_end <= 24 and bool(
        R.MODIFIER_JOIN_BEFORE_CODE.match(body[phrase_end:code_start])
    )


# --- context ----------------------------------------------------------------------------------------


def _keep_in_context(body: str, mentions: list[_Mention]) -> list[_Mention]:
    verdicts: list[bool | None] = []
    for m in mentions:
        if m.needs_pcs_context:
            near = body[max(0, m.start - R.PCS_CONTEXT_CHARS) : m.end + R.PCS_CONTEXT_CHARS]
            verdicts.append(bool(R.PCS_CONTEXT.search(near)))
        elif m.weak:
            verdicts.append(_five_digit_verdict(body, m))
        else:
            verdicts.append(True)
    # Undecided numbers keep each other company: "38241 and 38242 on the same day?" names two codes.
    live = [m for m, v in zip(mentions, verdicts, strict=True) if v is not False]
    starts = [m.start for m in live]
    kept: list[_Mention] = []
    for m, verdict in zip(mentions, verdicts, strict=True):
        if verdict is True or (verdict is None and _has_neighbour(m, live, starts)):
            kept.append(m)
    return kept


def _five_digit_verdict(body: str, m: _Mention) -> bool | None:
    """True: a code; False: a ZIP, phone, account, amount …; None: nothing says, a neighbour may."""
    if m.modifiers or m.units is not None:
        return True
    if body.strip(" \t\n?.!") == m.text:  # the whole question is the number
        return True
    window = body[max(0, m.start - R.CONTEXT_BEFORE_CHARS) : m.start]
    if R.MONEY_OR_NUMBER_SIGN_BEFORE.search(window):
        return bool(R.LABEL_HASH_BEFORE.search(window))
    # The words right before an earlier number speak for that number, not for this one.
    cut = R.LAST_DIGIT.match(window)
    before = window[cut.end() :] if cut else window
    near = [w.lower() for w in R.WORD.findall(before)][-R.NEGATIVE_BEFORE_WORDS :]
    if any(w in R.EXPLICIT_LABEL for w in near):
        return True
    if R.STATE_BEFORE.search(before):
        return False
    after = [w.lower() for w in R.WORD.findall(body[m.tail : m.tail + R.CONTEXT_AFTER_CHARS])]
    if after and after[0] in R.NEGATIVE_AFTER:
        return False
    for i in range(len(near) - 1, -1, -1):  # the nearest telling word decides
        word = near[i]
        if word == "code" and i > 0 and near[i - 1] in {"zip", "postal", "area", "promo", "access"}:
            return False
        if word in R.NEGATIVE_BEFORE:
            return False
        if word in R.POSITIVE_WORDS:
            return True
    if any(w.lower() in R.POSITIVE_WORDS for w in R.WORD.findall(window)) or any(
        w in R.POSITIVE_WORDS for w in after
    ):
        return True
    return None


def _has_neighbour(m: _Mention, live: list[_Mention], starts: list[int]) -> bool:
    """Another live mention within NEIGHBOUR_CHARS: only the nearest one on each side can be (text order)."""
    i = bisect_left(starts, m.start)
    before = live[i - 1] if i > 0 else None
    j = i + 1 if i < len(live) and live[i] is m else i
    after = live[j] if j < len(live) else None
    return bool(
        (before is not None and m.start - before.tail <= R.NEIGHBOUR_CHARS)
        or (after is not None and after.start - m.tail <= R.NEIGHBOUR_CHARS)
    )


# --- result -----------------------------------------------------------------------------------------


def _merge(kept: list[_Mention], standalone: list[tuple[int, FoundCode]]) -> list[FoundCode]:
    """One FoundCode per system+code, in order of first mention; later mentions add modifiers/units.
    A modifier named on its own is listed only if no code carries it."""
    merged: dict[tuple[str, str], _Mention] = {}
    for m in kept:
        first = merged.get((m.system, m.code))
        if first is None:
            merged[(m.system, m.code)] = m
            continue
        first.modifiers.extend(x for x in m.modifiers if x not in first.modifiers)
        if first.units is None:
            first.units = m.units
        first.ambiguous = tuple(dict.fromkeys(first.ambiguous + m.ambiguous))
    placed: list[tuple[int, FoundCode]] = [
        (
            m.start,
            FoundCode(
                system=m.system,
                code=m.code,
                text=m.text,
                modifiers=tuple(m.modifiers),
                units=m.units,
                ambiguous=m.ambiguous,
            ),
        )
        for m in merged.values()
    ]
    attached = {x for m in merged.values() for x in m.modifiers}
    seen: set[str] = set()
    for position, modifier in standalone:
        if modifier.code not in attached and modifier.code not in seen:
            seen.add(modifier.code)
            placed.append((position, modifier))
    placed.sort(key=lambda pair: pair[0])
    return [code for _, code in placed]
