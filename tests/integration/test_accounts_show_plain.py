"""`consultant accounts show ADDRESS` without --json is for people: no Python None/True/False on screen."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from consultant.app import App
from consultant.cli.accounts import _plain
from consultant.cli.main import cli

pytestmark = pytest.mark.integration


def test_a_new_guest_reads_plainly(app: App) -> None:
    env = {"CONSULTANT_HOME": str(app.settings.home), "CONSULTANT_DATABASE_URL": app.settings.database_url}
    runner = CliRunner()
    added = runner.invoke(cli, ["accounts", "add", "pat@example-clinic.test", "--plan", "guest"], env=env)
    assert added.exit_code == 0, added.output
    result = runner.invoke(cli, ["accounts", "show", "pat@example-clinic.test"], env=env)
    assert result.exit_code == 0, result.output
    fields = dict(line.split(": ", 1) for line in result.output.strip().splitlines())
    fields = {k.strip(): v for k, v in fields.items()}
    assert fields["domain"] == "-" and fields["verified"] == "no" and fields["period_start"] == "-"
    assert fields["views_remaining"] == "1" and fields["addresses"] == "pat@example-clinic.test"
    assert not any(v in ("None", "True", "False", "") for v in fields.values()), fields


def test_plain_values() -> None:
    assert [_plain(v) for v in (None, "", True, False, [], ["a", "b"], 0, 5)] == [
        "-",
        "-",
        "yes",
        "no",
        "-",
        "a, b",
        "0",
        "5",
    ]
