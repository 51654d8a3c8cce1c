"""`codes status`: each system's releases, counts, dates, and how far behind the newest one is."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consultant.models.codes import Code, CodeRelease, Mue, NcciEdit

LABELS = {
    "icd10cm": "ICD-10-CM",
    "icd10pcs": "ICD-10-PCS",
    "hcpcs": "HCPCS Level II",
    "cpt": "CPT",
    "cpt-modifier": "CPT modifiers",
    "cpt-consumer": "CPT consumer descriptors",
    "cpt-clinician": "CPT clinician descriptors",
    "ncci-practitioner": "NCCI PTP (practitioner)",
    "ncci-hospital": "NCCI PTP (hospital)",
    "mue-practitioner": "MUE (practitioner)",
    "mue-outpatient": "MUE (outpatient hospital)",
    "mue-dme": "MUE (DME supplier)",
}

# How often a new release replaces the current one, in months; ICD-10 releases carry their own end date.
CADENCE_MONTHS = {
    "icd10cm": 12,
    "icd10pcs": 12,
    "cpt": 12,
    "cpt-modifier": 12,
    "cpt-consumer": 12,
    "cpt-clinician": 12,
}
QUARTERLY = 3
PLURALS = {
    "code": "codes",
    "category": "categories",
    "subcategory": "subcategories",
    "section": "sections",
    "chapter": "chapters",
    "modifier": "modifiers",
}


@dataclass(frozen=True)
class ReleaseStatus:
    system: str
    label: str
    name: str
    effective_from: str
    effective_to: str | None
    codes: int
    counts: dict[str, int]
    source_file: str
    imported_at: str
    newest: bool
    days_out_of_date: int
    advice: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    return date(day.year + total // 12, total % 12 + 1, 1)


def staleness(system: str, effective_from: date, effective_to: date | None, today: date) -> tuple[int, str]:
    """(days out of date, one line for the operator) for the newest release of a system."""
    label = LABELS.get(system, system)
    if effective_to is not None:
        if today <= effective_to:
            return 0, f"{label} in force until {effective_to.isoformat()}"
        days = (today - effective_to).days
        hint = f"load FY{effective_to.year + 1}" if system.startswith("icd10") else "load the next release"
        return days, f"{label} ended {effective_to.isoformat()}: {days} days out of date; {hint}"
    due = add_months(effective_from, CADENCE_MONTHS.get(system, QUARTERLY))
    if today < due:
        return 0, f"{label} current (next release expected {due.isoformat()})"
    days = (today - due).days
    return days, (
        f"{label} started {effective_from.isoformat()}; a newer release was due {due.isoformat()}: "
        f"{days} days out of date; load the current file"
    )


def _counts(session: Session, release: CodeRelease) -> dict[str, int]:
    if release.system.startswith("ncci-"):
        n = session.scalar(select(func.count()).where(NcciEdit.release_id == release.id)) or 0
        return {"edits": n}
    if release.system in ("cpt-consumer", "cpt-clinician"):
        return {"descriptors": release.code_count}
    if release.system.startswith("mue-"):
        n = session.scalar(select(func.count()).where(Mue.release_id == release.id)) or 0
        return {"codes": n}
    rows = session.execute(
        select(Code.kind, Code.billable, func.count())
        .where(Code.release_id == release.id)
        .group_by(Code.kind, Code.billable)
    )
    counts: dict[str, int] = {}
    for kind, billable, n in rows:
        # ICD-10 has billable codes and headers; the other sets list codes only.
        icd = release.system.startswith("icd10")
        key = "billable" if kind == "code" and billable and icd else PLURALS.get(kind, kind)
        counts[key] = counts.get(key, 0) + n
    # HCPCS keeps terminated codes (with their date) in the file; say how many of the rows they are.
    terminated = session.scalar(
        select(func.count()).where(Code.release_id == release.id, Code.effective_to.is_not(None))
    )
    if terminated:
        counts["terminated"] = int(terminated)
    return counts


def release_statuses(session: Session, today: date) -> list[ReleaseStatus]:
    releases = list(
        session.scalars(select(CodeRelease).order_by(CodeRelease.system, CodeRelease.effective_from))
    )
    newest_id = {r.system: r.id for r in releases}  # ordered by start, so the last one wins
    out: list[ReleaseStatus] = []
    for r in releases:
        newest = newest_id[r.system] == r.id
        if newest:
            days, advice = staleness(r.system, r.effective_from, r.effective_to, today)
        else:
            days, advice = 0, "superseded; kept for earlier dates of service"
        out.append(
            ReleaseStatus(
                system=r.system,
                label=LABELS.get(r.system, r.system),
                name=r.name,
                effective_from=r.effective_from.isoformat(),
                effective_to=r.effective_to.isoformat() if r.effective_to else None,
                codes=r.code_count,
                counts=_counts(session, r),
                source_file=r.source_file,
                imported_at=r.imported_at.isoformat(timespec="seconds"),
                newest=newest,
                days_out_of_date=days,
                advice=advice,
            )
        )
    return out
