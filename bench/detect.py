"""Code detection time per question, every code set loaded, against a floor measured in the same run.

    python bench/detect.py [QUESTIONS]

Dictionary: the real bundled ICD-10-CM (98,186 codes and headers), ICD-10-PCS (79,115), HCPCS (6,710 + 369
modifiers) files, plus a synthetic CPT list in which every five-digit number is a code (the worst case for
context checks). Questions: QUESTIONS (default 3000) generated from templates mixing codes, modifiers,
units, ZIPs, phone numbers, dates, amounts and quoted lines, seeded so runs compare.
Floor: a bare `re.findall` of the reference candidate pattern (coding-data.md §3) over the same texts: the
least any pattern-based detector must do. Target: detection under 1 ms per typical question.
"""

from __future__ import annotations

import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consultant.codes.detect import detect
from tests.fixtures.detection.codesets import real_dictionary

REFERENCE_PATTERN = re.compile(
    r"(?<![\w$.,/-])(\d{5}|\d{4}[AFMTU]|[A-CEGHJ-MP-V]\d{4})(?:\s?-\s?(\d{2}|[A-Z][A-Z0-9]|\d[A-Z]))?(?![\w/]|-\d|\.\d)"
    r"|\b[A-Z]\d[0-9A-Z](?:\.[0-9A-Z]{1,4})?\b|\b[0-9A-HJ-NP-Z]{7}\b"
)

OPENERS = [
    "Hi, quick question from our billing team.",
    "Good morning coders,",
    "We had a denial last week and need help.",
    "Our practice in Springfield, IL 62701 has a question.",
    "",
]
TEMPLATES = [
    "Can I bill {cpt} with {cpt2} on the same day, or does {cpt2}-59 apply?",
    "Type 2 diabetic with CKD: is {icd} with {icd2} the right order?",
    "How many units of {hcpcs} can we bill? We gave {hcpcs} x{n} on {date}.",
    "Patient seen at our office (zip {zip}) for {cpt}; diagnosis {icd}. Call {phone} if needed.",
    "Inpatient procedure: is {pcs} the right PCS code for this case?",
    "The claim #{claim} for ${amount} was denied for {cpt}-25 with {cpt2}.",
    "Is modifier {mod} needed on {cpt} when {hcpcs} is given the same visit?",
    "Our NPI is {npi}; the payer says {icd} does not support {cpt}.",
    "What does the MUE say for {hcpcs}, and is there a PTP edit between {cpt} and {cpt2}?",
    "Dotless codes from the EHR: {dotless} and {dotless2}, are they valid?",
]
CLOSERS = [
    "Thanks!",
    "Thank you,\nJane\n-- \nJane Coder, CPC | Suite 12345 | 555-123-4567",
    "\n> On Monday you wrote:\n> 99213 is fine here",
    "",
]


def questions(count: int, seed: int = 7) -> list[str]:
    d = real_dictionary()
    rng = random.Random(seed)
    pick = {s: sorted(d.by_system[s]) for s in ("icd10cm", "icd10pcs", "hcpcs")}
    billable_cm = [
        d.by_system["icd10cm"][k].code for k in pick["icd10cm"] if d.by_system["icd10cm"][k].billable
    ]
    out = []
    for _ in range(count):
        fields = {
            "cpt": f"{rng.randint(10000, 99499)}",
            "cpt2": f"{rng.randint(10000, 99499)}",
            "icd": rng.choice(billable_cm),
            "icd2": rng.choice(billable_cm),
            "dotless": rng.choice(billable_cm).replace(".", ""),
            "dotless2": rng.choice(billable_cm).replace(".", "").lower(),
            "hcpcs": rng.choice(pick["hcpcs"]),
            "pcs": rng.choice(pick["icd10pcs"]),
            "n": rng.randint(1, 12),
            "mod": rng.choice(["25", "59", "XS", "LT", "RT", "GA"]),
            "zip": f"{rng.randint(10000, 99999)}",
            "phone": f"{rng.randint(200, 999)}-555-{rng.randint(1000, 9999)}",
            "date": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/2026",
            "claim": f"{rng.randint(10000, 99999)}",
            "amount": f"{rng.randint(100, 20000)}",
            "npi": f"1{rng.randint(100000000, 999999999)}",
        }
        body = " ".join(rng.choice(TEMPLATES).format(**fields) for _ in range(rng.randint(1, 3)))
        out.append("\n".join(x for x in (rng.choice(OPENERS), body, rng.choice(CLOSERS)) if x))
    return out


def per_message(texts: list[str], run) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for t in texts:
        started = time.perf_counter()
        run(t)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    started = time.perf_counter()
    dictionary = real_dictionary()
    load_s = time.perf_counter() - started
    texts = questions(count)
    per_message(texts[:200], lambda t: detect(t, dictionary))  # warm-up
    floor = per_message(texts, REFERENCE_PATTERN.findall)
    detected = per_message(texts, lambda t: detect(t, dictionary))
    found = sum(len(detect(t, dictionary)) for t in texts)
    chars = statistics.mean(len(t) for t in texts)

    def us(xs: list[float], q: float) -> float:
        return sorted(xs)[int(q * (len(xs) - 1))] * 1e6

    print(
        f"dictionary: {dictionary.size():,} codes in {len(dictionary.by_system)} systems, built in {load_s:.1f} s"
    )
    print(f"questions: {count}, mean {chars:.0f} characters, {found / count:.1f} codes found per question")
    print(f"{'':<28}{'mean':>10}{'p50':>10}{'p95':>10}{'p99':>10}   (microseconds per question)")
    for name, xs in (("floor: re.findall(pattern)", floor), ("detect()", detected)):
        mean = statistics.mean(xs) * 1e6
        print(f"{name:<28}{mean:>10.1f}{us(xs, 0.5):>10.1f}{us(xs, 0.95):>10.1f}{us(xs, 0.99):>10.1f}")
    ratio = statistics.mean(detected) / statistics.mean(floor)
    verdict = "meets" if us(detected, 0.95) < 1000 else "MISSES"
    print(f"detect / floor: {ratio:.1f}x; p95 {us(detected, 0.95) / 1000:.3f} ms {verdict} the 1 ms target")


if __name__ == "__main__":
    main()
