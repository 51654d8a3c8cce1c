"""`consultant codes extract` never answers with silence: it says on stderr that nothing was found, and why
when the text holds CPT-shaped numbers but no CPT release is loaded (README's own example, out of the box)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from consultant.app import App
from consultant.cli.codes import nothing_found
from consultant.cli.main import cli

pytestmark = pytest.mark.integration


def run(app: App, *args: str, stdin: str) -> Result:
    env = {"CONSULTANT_HOME": str(app.settings.home)}
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


def test_the_readme_example_explains_the_empty_answer(loaded_app: App) -> None:
    result = run(loaded_app, "codes", "extract", "--json", stdin="Can I bill 38242-59 with 38241?")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"codes": []}  # stdout stays the plain answer
    assert "38242, 38241 look like CPT" in result.stderr and "cpt-long" in result.stderr


def test_plain_text_with_no_code_says_so(loaded_app: App) -> None:
    result = run(loaded_app, "codes", "extract", stdin="Where do I send the fax?")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == "no codes found"


def test_found_codes_print_no_note(loaded_app: App) -> None:
    result = run(loaded_app, "codes", "extract", stdin="E11.22 with 38241")
    assert result.stdout.split() == ["icd10cm", "E11.22"]
    assert result.stderr == ""


def test_no_cpt_hint_once_cpt_is_loaded() -> None:
    assert nothing_found("bill 38242 twice: 38242", cpt_loaded=False).count("38242") == 1
    assert nothing_found("bill 38242", cpt_loaded=True) == "no codes found"
    assert nothing_found("zip 0FT44ZZ or E11.22X", cpt_loaded=False) == "no codes found"
