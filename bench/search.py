"""Search latency p50/p95 on SQLite over a few hundred queries, against a floor measured in the same run.

    python bench/search.py [QUERIES]

Database: a fresh SQLite file with every bundled code set imported by the real importers (ICD-10-CM from
the tabular XML with inclusion terms, ICD-10-PCS, HCPCS). Queries: QUERIES (default 300): most are 2-5
consecutive words cut from random descriptors, the rest questions phrased as coders write them. Each query
runs as the service runs it: a new session, `search(session, query, 10)`, commit.
Floor: a primary-key lookup of a random code in a new session, the same way. Target: search p95 < 20 ms.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from consultant.app import build_app, prepare
from consultant.codes.search import rebuild_search_index, search
from consultant.models.codes import Code
from tests.conftest import make_settings

PHRASED = [
    "type 2 diabetes with diabetic chronic kidney disease",
    "which ICD-10 code for low back pain",
    "essential hypertension",
    "chronic kidney disease stage 3a",
    "laparoscopic cholecystectomy",
    "resection of gallbladder percutaneous endoscopic approach",
    "injection dexamethasone sodium phosphate",
    "hip fracture follow up routine healing",
    "annual wellness visit",
    "vitamin d deficiency",
    "screening colonoscopy high risk",
    "dog bite of the hand",
    "major depressive disorder single episode",
    "atrial fibrillation on anticoagulants",
    "pregnancy supervision high risk first trimester",
    "ground ambulance mileage",
    "blood glucose test strips",
    "total knee replacement left cemented",
    "acute respiratory failure with hypoxia",
    "covid 19",
]


def queries(session, count: int, seed: int = 11) -> list[str]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    descriptors = list(session.scalars(select(Code.descriptor).where(Code.billable.is_(True))))
    out = [PHRASED[i % len(PHRASED)] for i in range(count // 5)]
    while len(out) < count:
        words = rng.choice(descriptors).split()
        size = min(len(words), rng.randint(2, 5))
        start = rng.randint(0, len(words) - size)
        out.append(" ".join(words[start : start + size]).strip(",;()"))
    rng.shuffle(out)
    return out


def timed(run, items: list) -> list[float]:  # type: ignore[no-untyped-def, type-arg]
    times = []
    for item in items:
        started = time.perf_counter()
        run(item)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as home:
        app = build_app(make_settings(Path(home)))
        started = time.perf_counter()
        prepare(app, load_codes=True)
        import_s = time.perf_counter() - started
        with app.sessions() as session:
            started = time.perf_counter()
            rebuild_search_index(session)
            session.commit()
            index_s = time.perf_counter() - started
            total = session.scalar(select(func.count()).select_from(Code)) or 0
            ids = list(session.scalars(select(Code.id)))
            texts = queries(session, count)
        rng = random.Random(3)
        picks = [rng.choice(ids) for _ in range(count)]

        def lookup(code_id: int) -> None:
            with app.sessions() as s:
                s.get(Code, code_id)
                s.commit()

        hits_total = 0

        def find(q: str) -> None:
            nonlocal hits_total
            with app.sessions() as s:
                hits_total += len(search(s, q, 10))
                s.commit()

        timed(find, texts[:20])  # warm-up
        timed(lookup, picks[:20])
        hits_total = 0
        floor = timed(lookup, picks)
        searched = timed(find, texts)
        app.close()

    def ms(xs: list[float], q: float) -> float:
        return sorted(xs)[int(q * (len(xs) - 1))] * 1000

    print(f"codes: {total:,} rows imported in {import_s:.1f} s; FTS index rebuilt in {index_s:.2f} s")
    print(
        f"queries: {count} ({count // 5} phrased, the rest cut from descriptors), {hits_total / count:.1f} hits each"
    )
    print(f"{'':<34}{'mean':>9}{'p50':>9}{'p95':>9}{'max':>9}   (milliseconds)")
    for name, xs in (("floor: primary-key lookup", floor), ("search(session, q, 10)", searched)):
        print(
            f"{name:<34}{statistics.mean(xs) * 1000:>9.2f}{ms(xs, 0.5):>9.2f}{ms(xs, 0.95):>9.2f}{max(xs) * 1000:>9.2f}"
        )
    verdict = "meets" if ms(searched, 0.95) < 20 else "MISSES"
    print(
        f"search p95 / floor p95: {ms(searched, 0.95) / ms(floor, 0.95):.1f}x; p95 {ms(searched, 0.95):.1f} ms {verdict} the 20 ms target"
    )


if __name__ == "__main__":
    main()
