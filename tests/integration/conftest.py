"""Fixtures shared by integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from consultant.app import App, build_app, prepare
from tests.conftest import make_settings


@pytest.fixture(scope="session")
def codes_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """One App on SQLite with every bundled code set imported (ICD-10-CM, ICD-10-PCS, HCPCS), shared by
    the whole session because the import takes seconds. Treat it as read-only."""
    home = tmp_path_factory.mktemp("codes_db")
    app = build_app(make_settings(home))
    prepare(app, load_codes=True)
    yield app
    app.close()
