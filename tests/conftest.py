"""Shared fixtures. Integration tests start their own servers; a missing server skips with a reason,
unless CONSULTANT_REQUIRE_SERVERS=1 (CI), where the skip becomes a failure."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from consultant.app import App, build_app, prepare
from consultant.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def require_servers() -> bool:
    return os.environ.get("CONSULTANT_REQUIRE_SERVERS") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine without the server; fail in CI where it must be there."""
    if require_servers():
        pytest.fail(f"CONSULTANT_REQUIRE_SERVERS=1 but: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(home: Path, **overrides: object) -> Settings:
    env = {"CONSULTANT_HOME": str(home)}
    settings = Settings.from_env(env)
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)  # type: ignore[arg-type]
    return settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> Iterator[App]:
    """A fresh App on SQLite in a temporary home, migrated, without the bundled code sets."""
    a = build_app(settings)
    prepare(a, load_codes=False)
    yield a
    a.close()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("CONSULTANT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure to reach it means "no server here"
        skip_or_fail(f"PostgreSQL not reachable at {url}: {exc}")
    return url


@pytest.fixture
def postgres_app(postgres_url: str, tmp_path: Path) -> Iterator[App]:
    """A fresh App on the PostgreSQL server, in a schema of its own that is dropped afterwards."""
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    settings = make_settings(tmp_path, database_url=postgres_url)
    from consultant.db.engine import make_engine

    engine = make_engine(postgres_url, connect_args={"options": f"-csearch_path={schema}"})
    a = build_app(settings, engine=engine)
    prepare(a, load_codes=False)
    yield a
    a.close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'drop schema "{schema}" cascade')


@pytest.fixture(scope="session")
def codes_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database with the bundled code sets imported once per test run, copied by `loaded_app`."""
    home = tmp_path_factory.mktemp("codes-template")
    a = build_app(make_settings(home))
    prepare(a, load_codes=True)
    a.close()
    path = home / "db" / "consultant.sqlite3"
    import sqlite3

    with sqlite3.connect(path) as conn:  # fold the WAL into the main file so one file copy is complete
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def loaded_app(codes_template: Path, tmp_path: Path) -> Iterator[App]:
    """A fresh App on SQLite whose database already holds the bundled code sets."""
    import shutil

    (tmp_path / "db").mkdir()
    shutil.copyfile(codes_template, tmp_path / "db" / "consultant.sqlite3")
    a = build_app(make_settings(tmp_path))
    prepare(a, load_codes=True)  # finds everything loaded: only creates folders and checks migrations
    yield a
    a.close()
