"""The code service caches the dictionary, the releases in force and each code's facts; a release
imported while the service (the worker) keeps running must be used by the very next call."""

from __future__ import annotations

from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from consultant.app import App
from consultant.codes.db_service import DbCodeService
from consultant.codes.importers import ImportRequest, run_import
from consultant.codes.values import FoundCode
from consultant.drafts.facts import load_facts
from consultant.intake.pipeline import drain_spool
from consultant.models import Draft
from consultant.models.codes import PlainDescription

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"
OLD_TITLE = "Resection of Gallbladder, Percutaneous Endoscopic Approach"
NEW_TITLE = "Resection of Gallbladder, Percutaneous Endoscopic Approach, renamed in 2027"
ON = date(2026, 11, 2)  # after FY2027 starts (2026-10-01)


def _load_fy2026(app: App) -> None:
    run_import(
        app.sessions,
        ImportRequest(
            "icd10pcs",
            (FIXTURES / "icd10pcs_order_sample.txt",),
            release="FY2026",
            effective=date(2025, 10, 1),
        ),
    )


def _load_fy2027(app: App, tmp_path: Path) -> None:
    """The same order file, named for FY2027, with 0FT44ZZ's long title (the last field) renamed."""
    text = (FIXTURES / "icd10pcs_order_sample.txt").read_text()
    lines = []
    for line in text.splitlines(keepends=True):
        if " 0FT44ZZ " in line:
            line = line[: line.rindex(OLD_TITLE)] + NEW_TITLE + "\n"
        lines.append(line)
    newer = tmp_path / "icd10pcs_order_2027.txt"
    newer.write_text("".join(lines), newline="")
    outcome = run_import(app.sessions, ImportRequest("icd10pcs", (newer,)))
    assert (outcome.name, outcome.already_loaded) == ("FY2027", False)


def test_facts_follow_a_release_imported_while_the_service_runs(app: App, tmp_path: Path) -> None:
    _load_fy2026(app)
    service = DbCodeService(app.read_sessions)
    code = [FoundCode("icd10pcs", "0FT44ZZ", modifiers=("59",))]
    before = service.facts(code, ON).codes[0]
    assert (before.release, before.descriptor) == ("FY2026", OLD_TITLE)
    assert service.facts(code, ON).codes[0] == before  # now from the cache
    _load_fy2027(app, tmp_path)
    after = service.facts(code, ON).codes[0]
    assert after.release == "FY2027" and after.descriptor == NEW_TITLE
    assert after.modifiers == ("59",)  # what the sender wrote stays theirs
    assert service.dictionary(ON).releases["icd10pcs"] == "FY2027"


def test_cached_facts_are_not_shared_with_callers(app: App) -> None:
    _load_fy2026(app)
    service = DbCodeService(app.read_sessions)
    code = [FoundCode("icd10pcs", "0FT44ZZ")]
    first = service.facts(code, ON).codes[0]
    first.notes["excludes1"] = ["changed by a caller"]
    assert "excludes1" not in service.facts(code, ON).codes[0].notes


def test_a_coders_plain_description_added_while_warm_is_seen(app: App) -> None:
    _load_fy2026(app)
    service = DbCodeService(app.read_sessions)
    code = [FoundCode("icd10pcs", "0FT44ZZ")]
    assert service.facts(code, ON).codes[0].plain_description is None
    with app.sessions.begin() as s:
        s.add(PlainDescription(system="icd10pcs", code="0FT44ZZ", source="coder", text="Gallbladder out."))
    assert service.facts(code, ON).codes[0].plain_description == "Gallbladder out."


def _ask(app: App, n: int) -> None:
    msg = EmailMessage()
    msg["From"] = f"Biller <biller{n}@practice.test>"
    msg["To"] = "consult@caseconsultant.localhost"
    msg["Subject"] = f"Question {n}"
    msg["Message-ID"] = f"<q{n}@practice.test>"
    msg.set_content("Is 0FT44ZZ right for a laparoscopic cholecystectomy?\n")
    app.spool.deliver(msg.as_bytes())


def test_the_worker_drafts_with_a_release_imported_between_passes(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load_fy2026(app)
    _ask(app, 1)
    [first] = drain_spool(app)
    _load_fy2027(app, tmp_path)
    _ask(app, 2)
    [second] = drain_spool(app)
    with app.sessions() as s:
        drafts = {d.id: load_facts(d.facts_json) for d in s.scalars(select(Draft))}
    assert first.draft_id is not None and second.draft_id is not None
    releases = [[c["release"] for c in drafts[o.draft_id]["codes"]] for o in (first, second)]
    if app.clock().date() < date(2026, 10, 1):  # FY2027 is not yet in force on the worker's date
        assert releases == [["FY2026"], ["FY2026"]]
    else:
        assert releases == [["FY2026"], ["FY2027"]]
        assert drafts[second.draft_id]["codes"][0]["descriptor"] == NEW_TITLE
