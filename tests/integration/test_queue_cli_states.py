"""`consultant queue list`: an empty queue says what to do next, once; an unknown --state is refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from consultant.app import App
from consultant.cli.main import cli

pytestmark = pytest.mark.integration


def run(app: App, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env={"CONSULTANT_HOME": str(app.settings.home)})
    return result.exit_code, result.output


def test_an_empty_queue_says_so_once_and_points_at_the_demo(loaded_app: App) -> None:
    code, out = run(loaded_app, "queue", "list")
    assert code == 0, out
    assert out.strip().splitlines() == ["The queue is empty. Send sample questions with `consultant demo`."]


def test_an_unknown_state_is_refused_with_the_valid_ones(loaded_app: App) -> None:
    code, out = run(loaded_app, "queue", "list", "--state", "waiting")
    assert code == 2
    assert "'waiting' is not one of" in out and "info_requested" in out and "expired" in out
