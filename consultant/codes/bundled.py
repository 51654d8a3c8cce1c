"""Load the code sets bundled with the package the first time the service starts.

ICD-10-CM comes from the CMS tabular XML inside `simple-icd-10-cm`; ICD-10-PCS and HCPCS Level II are the
public-domain CMS files in `consultant/data/codesets/`. A release already in the database is skipped
by name, without reading its file, so a start with everything loaded costs one query per set.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from consultant.codes.importers import ImportRequest, refresh_search_index, run_import
from consultant.codes.progress import progress_bar
from consultant.codes.store import ImportOutcome
from consultant.models.codes import CodeRelease


@dataclass(frozen=True)
class BundledSet:
    system: str
    release: str
    kind: str
    path: Path


def codesets_dir() -> Path:
    return Path(str(resources.files("consultant") / "data" / "codesets"))


def icd10cm_xml_path() -> Path:
    """The tabular XML shipped in simple-icd-10-cm (its file name carries the release date)."""
    data = Path(str(resources.files("simple_icd_10_cm") / "data"))
    found = sorted(data.glob("*tabular*.xml"))
    if not found:
        raise FileNotFoundError(f"no ICD-10-CM tabular XML in {data}")
    return found[-1]


def bundled_sets() -> list[BundledSet]:
    here = codesets_dir()
    sets = [BundledSet("icd10cm", "FY2026", "icd10cm-xml", icd10cm_xml_path())]
    for system, release, kind, name in (
        ("icd10pcs", "FY2026", "icd10pcs", "icd10pcs_order_2026.zip"),
        ("hcpcs", "2020-annual", "hcpcs", "HCPC2020_ANWEB_w_disclaimer.zip"),
    ):
        if (here / name).exists():
            sets.append(BundledSet(system, release, kind, here / name))
    return sets


def ensure_bundled_codesets(
    sessions: sessionmaker[Session], *, progress: bool = False
) -> list[ImportOutcome]:
    """Import bundled ICD-10-CM, ICD-10-PCS and HCPCS releases that are not loaded yet."""
    outcomes: list[ImportOutcome] = []
    for bundled in bundled_sets():
        with sessions() as session:
            loaded = session.scalars(
                select(CodeRelease.id).where(
                    CodeRelease.system == bundled.system, CodeRelease.name == bundled.release
                )
            ).first()
        if loaded is not None:
            continue
        request = ImportRequest(bundled.kind, (bundled.path,), release=bundled.release)
        with progress_bar(f"Loading {bundled.system} {bundled.release}", progress) as update:
            outcomes.append(run_import(sessions, request, update, index=False))
    if any(not o.already_loaded for o in outcomes):
        refresh_search_index(sessions)
    return outcomes
