"""Forty drafts for one account reserve at once — threads and OS processes, PostgreSQL and SQLite —
and the account never spends more views than its plan allows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from consultant.app import App
from consultant.db.engine import make_engine, make_session_factory
from consultant.models import QuotaEntry
from consultant.quota.ledger import charge, reserve
from consultant.quota.plans import load_plans
from tests.integration.quota_support import NOW, make_account, make_drafts, schema_of

pytestmark = pytest.mark.integration
PLANS = load_plans()
FREE_VIEWS = 6
DRAFTS = 40
ROOT = Path(__file__).resolve().parents[2]


def _prepare(app: App) -> tuple[int, list[int]]:
    with app.sessions.begin() as s:
        account = make_account(s, "busy@example.org", plan="free")
        drafts = make_drafts(s, account, DRAFTS)
    return account, drafts


def _spent(sessions: sessionmaker[Session], account: int) -> dict[str, int]:
    with sessions() as s:
        rows = s.execute(
            select(QuotaEntry.state, func.count())
            .where(QuotaEntry.account_id == account)
            .group_by(QuotaEntry.state)
        ).all()
    return {state: int(n) for state, n in rows}


def _run_threads(sessions: sessionmaker[Session], account: int, drafts: list[int]) -> list[int]:
    """One thread per draft, each with its own session, released together by a barrier."""
    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(drafts))
    lock = threading.Lock()

    def work(draft_id: int) -> None:
        try:
            barrier.wait()
            pages = [f"icd10cm:A{draft_id}", f"cpt:B{draft_id}"]
            with sessions.begin() as s:
                got = len(reserve(s, account, draft_id, pages, PLANS, NOW).reserve)
            with sessions.begin() as s:
                charge(s, draft_id, NOW)
            with lock:
                results.append(got)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in drafts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    return results


def _check(results: list[int], spent: dict[str, int]) -> None:
    # Each draft asks for two new pages; exactly the plan's views are handed out, never one more.
    assert sum(results) == FREE_VIEWS
    assert spent.get("charged", 0) == FREE_VIEWS
    assert spent.get("reserved", 0) == 0


def _own_engine(app: App, pool: int) -> tuple[Engine, sessionmaker[Session]]:
    with app.sessions() as s:
        schema = schema_of(s)
    url = app.settings.database_url
    engine = make_engine(
        url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=pool, max_overflow=0
    )
    return engine, make_session_factory(engine)


@pytest.mark.postgres
def test_forty_threads_on_postgres_never_overspend(postgres_app: App) -> None:
    account, drafts = _prepare(postgres_app)
    engine, sessions = _own_engine(postgres_app, DRAFTS)  # a connection each: real contention
    try:
        results = _run_threads(sessions, account, drafts)
    finally:
        engine.dispose()
    _check(results, _spent(postgres_app.sessions, account))


def _run_processes(app: App, schema: str, tmp_path: Path) -> None:
    """Eight OS processes, five threads each, one draft per thread, released together."""
    account, drafts = _prepare(app)
    go = tmp_path / "go"
    procs: list[tuple[subprocess.Popen[bytes], Path]] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for i in range(8):
        out = tmp_path / f"out{i}.json"
        mine = drafts[i::8]
        args = [app.settings.database_url, schema, str(account), json.dumps(mine), str(go), str(out)]
        cmd = [sys.executable, "-m", "tests.integration.quota_support", *args]
        procs.append((subprocess.Popen(cmd, cwd=ROOT, env=env), out))
    deadline = time.monotonic() + 60
    while not all(Path(f"{out}.ready").exists() for _, out in procs) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()  # start together: every process is connected and polling for this file
    results: list[int] = []
    for proc, out in procs:
        assert proc.wait(timeout=120) == 0
        results.extend(json.loads(out.read_text()))
    assert len(results) == DRAFTS
    spent = _spent(app.sessions, account)
    # Half the drafts were charged by their worker and half left reserved: views used never pass the plan.
    assert sum(results) == FREE_VIEWS
    assert spent.get("charged", 0) + spent.get("reserved", 0) == FREE_VIEWS


@pytest.mark.postgres
def test_eight_processes_on_postgres_never_overspend(postgres_app: App, tmp_path: Path) -> None:
    with postgres_app.sessions() as s:
        schema = schema_of(s)
    _run_processes(postgres_app, schema, tmp_path)


def test_eight_processes_on_sqlite_never_overspend(app: App, tmp_path: Path) -> None:
    _run_processes(app, "", tmp_path)


def test_forty_threads_on_sqlite_never_overspend(app: App) -> None:
    account, drafts = _prepare(app)
    results = _run_threads(app.sessions, account, drafts)
    _check(results, _spent(app.sessions, account))
