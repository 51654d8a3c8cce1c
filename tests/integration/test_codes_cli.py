"""`consultant codes import` and `codes status` through the real command line (click's runner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from consultant.cli.main import cli

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parents[1] / "fixtures" / "codes"


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(cli, list(args), env={"CONSULTANT_HOME": str(tmp_path)}, catch_exceptions=False)

    return invoke


def test_wrong_file_exits_2_with_one_line(run) -> None:  # type: ignore[no-untyped-def]
    result = run("codes", "import", "icd10pcs", str(FIXTURES / "icd10cm_order_sample.txt"))
    assert result.exit_code == 2
    assert "error: this is not an ICD-10-PCS order file: line 1 has code 'E11'" in result.stderr


def test_unknown_kind_exits_2(run) -> None:  # type: ignore[no-untyped-def]
    result = run("codes", "import", "icd9", str(FIXTURES / "icd10cm_order_sample.txt"))
    assert result.exit_code == 2
    assert "unknown kind 'icd9'" in result.stderr


def test_import_twice_then_status(run) -> None:  # type: ignore[no-untyped-def]
    pcs = str(FIXTURES / "icd10pcs_order_sample.txt")
    first = run("codes", "import", "icd10pcs", pcs, "--release", "FY2026")
    assert first.exit_code == 0, first.output
    assert "icd10pcs FY2026: 4 rows imported" in first.stdout
    again = run("codes", "import", "icd10pcs", pcs, "--release", "FY2026")
    assert "already loaded (same file)" in again.stdout
    ptp = run("codes", "import", "ncci-ptp", str(FIXTURES / "ccipra-v322r0-f1_synthetic.txt"))
    assert ptp.exit_code == 0 and "ncci-practitioner v322r0: 5 rows imported" in ptp.stdout
    status = run("codes", "status", "--json")
    assert status.exit_code == 0
    releases = {r["system"]: r for r in json.loads(status.stdout)["releases"]}
    pcs_status = releases["icd10pcs"]
    assert pcs_status["name"] == "FY2026" and pcs_status["codes"] == 4
    assert pcs_status["counts"] == {"billable": 4, "categories": 2}
    assert pcs_status["effective_to"] == "2026-09-30"
    assert pcs_status["newest"] is True and pcs_status["days_out_of_date"] >= 0
    assert releases["ncci-practitioner"]["counts"] == {"edits": 5}
    text = run("codes", "status")
    assert "ICD-10-PCS" in text.stdout and "NCCI PTP (practitioner)" in text.stdout
