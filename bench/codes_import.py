"""Import time per bundled code set, each into a fresh SQLite database, against a floor measured in the
same run.

    python bench/codes_import.py [ROUNDS]

For each set: floor = read the raw file (unzip) and split it into lines, the least any importer must do;
parse = the importer's parser alone; import = `consultant codes import` end to end (read, parse, one
transaction of bulk inserts) into a freshly migrated SQLite file; then, apart, the full-text search index
rebuild that follows an import. Best of ROUNDS (default 1). Target: the
ICD-10-CM import under 60 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consultant.codes import hcpcs, icd10cm_xml, order_file
from consultant.codes.bundled import BundledSet, bundled_sets
from consultant.codes.files import read_source
from consultant.codes.importers import KINDS, ImportRequest, refresh_search_index, run_import
from consultant.db.engine import make_engine, make_session_factory
from consultant.db.migrate import upgrade

PARSERS: dict[str, Callable[[bytes], object]] = {
    "icd10cm-xml": icd10cm_xml.parse_tabular_xml,
    "icd10pcs": lambda data: order_file.parse_order_file(data, "icd10pcs"),
    "hcpcs": hcpcs.parse_hcpcs,
}


def best(rounds: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def measure(bundled: BundledSet, rounds: int) -> tuple[int, float, float, float, float]:
    """(codes imported, floor s, parse s, import s, search-index s) for one bundled set, best of `rounds`."""
    kind = KINDS[bundled.kind]

    def floor() -> int:
        src = read_source(bundled.path, kind.member)
        return len(src.data.decode("latin-1").splitlines())

    data = read_source(bundled.path, kind.member).data
    floor_s = best(rounds, floor)
    parse_s = best(rounds, lambda: PARSERS[bundled.kind](data))
    import_times: list[float] = []
    index_times: list[float] = []
    rows = 0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{tmp}/bench.sqlite3")
            upgrade(engine)
            sessions = make_session_factory(engine)
            started = time.perf_counter()
            request = ImportRequest(bundled.kind, (bundled.path,), release=bundled.release)
            outcome = run_import(sessions, request, index=False)
            import_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            refresh_search_index(sessions)
            index_times.append(time.perf_counter() - started)
            rows = outcome.rows
            engine.dispose()
    return rows, floor_s, parse_s, min(import_times), min(index_times)


def main(rounds: int) -> None:
    print(
        f"{'code set':<22} {'codes':>8} {'floor s':>8} {'parse s':>8} {'import s':>9} {'import/floor':>13}"
        f" {'+search index s':>16}"
    )
    for bundled in bundled_sets():
        rows, floor_s, parse_s, import_s, index_s = measure(bundled, rounds)
        label = f"{bundled.system} {bundled.release}"
        print(
            f"{label:<22} {rows:>8,} {floor_s:>8.3f} {parse_s:>8.3f} {import_s:>9.2f} {import_s / floor_s:>12.0f}x"
            f" {index_s:>16.2f}"
        )
        if bundled.system == "icd10cm":
            verdict = "meets" if import_s < 60 else "MISSES"
            print(f"{'':<22} ICD-10-CM import {import_s:.1f} s {verdict} the 60 s target")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
