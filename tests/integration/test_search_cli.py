"""`consultant codes extract` and `codes search` through the real command line, on the bundled code sets."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from consultant.app import App
from consultant.cli.main import cli

pytestmark = pytest.mark.integration


def run(codes_db: App, *args: str, stdin: str = "") -> Result:
    env = {"CONSULTANT_HOME": str(codes_db.settings.home)}
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


def test_extract_json(codes_db: App) -> None:
    question = (
        "Type 2 diabetic with CKD 3a: E11.22 + N18.31? Also J1100 x2 and A0100 for the taxi.\n"
        "Our office is in Springfield, IL 62701.\n> quoted: G0439"
    )
    result = run(codes_db, "codes", "extract", "--json", "--on", "2026-01-15", stdin=question)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)["codes"]
    assert [(f["system"], f["code"]) for f in found] == [
        ("icd10cm", "E11.22"),
        ("icd10cm", "N18.31"),
        ("hcpcs", "J1100"),
        ("hcpcs", "A0100"),
    ]
    j1100 = found[2]
    assert j1100["units"] == 2 and j1100["ambiguous"] == ["icd10cm"] and j1100["modifiers"] == []


def test_extract_plain_text(codes_db: App) -> None:
    result = run(codes_db, "codes", "extract", stdin="J1100-JW x 3")
    assert result.exit_code == 0, result.output
    assert result.stdout.split() == ["hcpcs", "J1100", "-JW", "x3", "(also", "valid", "in:", "icd10cm)"]


def test_extract_jsonl_goes_on_after_bad_lines(codes_db: App) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": "q1", "text": "Can I bill E11.22 with I10?"}),
            "this is not json",
            json.dumps({"id": "q3"}),
            json.dumps({"id": "q4", "text": "pcs 0FT44ZZ", "on": "not-a-date"}),
            "",
            json.dumps({"id": 5, "text": "zip 90210 only"}),
            json.dumps({"id": "q6", "text": "0FT44ZZ", "on": "2026-03-01"}),
        ]
    )
    result = run(codes_db, "codes", "extract", "--jsonl", stdin=lines)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["q1", None, "q3", "q4", 5, "q6"]
    assert [c["code"] for c in out[0]["codes"]] == ["E11.22", "I10"]
    assert "not JSON" in out[1]["error"] and out[1]["line"] == 2
    assert "text" in out[2]["error"]
    assert "date" in out[3]["error"]
    assert out[4]["codes"] == []
    assert out[5]["codes"][0]["system"] == "icd10pcs"


def test_search_json(codes_db: App) -> None:
    result = run(
        codes_db,
        "codes",
        "search",
        "type 2 diabetes with diabetic chronic kidney disease",
        "--json",
        "--limit",
        "3",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["hits"]) == 3
    assert "E11.22" in [h["code"] for h in payload["hits"]]
    assert {"system", "code", "descriptor", "score"} <= set(payload["hits"][0])
