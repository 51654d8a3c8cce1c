"""Raw mail is kept only as long as the retention setting says, in the database and in the spool."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from consultant.app import App
from consultant.models import InboundMessage
from consultant.retention import purge_files, purge_raw_rows
from consultant.worker import purge_job


def _inbound(app: App, age_days: int) -> int:
    now = app.clock()
    with app.sessions() as session, session.begin():
        row = InboundMessage(
            source="spool",
            source_uid=f"k{age_days}",
            sha256="0" * 64,
            raw=b"secret body",
            state="drafted",
            received_at=now - timedelta(days=age_days),
        )
        session.add(row)
        session.flush()
        return row.id


def test_old_raw_mail_is_purged_recent_kept(app: App) -> None:
    old, recent = _inbound(app, 40), _inbound(app, 2)
    with app.sessions() as session, session.begin():
        assert purge_raw_rows(session, app.clock(), days=30) == 1
    with app.sessions() as session:
        o, r = session.get_one(InboundMessage, old), session.get_one(InboundMessage, recent)
        assert o.raw is None and o.raw_purged_at is not None
        assert r.raw == b"secret body" and r.raw_purged_at is None


def test_processed_spool_files_past_retention_are_deleted(app: App) -> None:
    old_key = app.spool.deliver(b"old")
    app.spool.mark_done(old_key)
    new_key = app.spool.deliver(b"new")
    app.spool.mark_done(new_key)
    old_path = app.spool.cur / f"{old_key}:2,S"
    past = time.time() - 40 * 86400
    os.utime(old_path, (past, past))
    assert purge_files([app.spool.cur], days=30) == 1
    assert not old_path.exists() and (app.spool.cur / f"{new_key}:2,S").exists()


def test_purge_job_runs_both(app: App) -> None:
    _inbound(app, 400)
    purge_job(app)
    with app.sessions() as session:
        assert all(r.raw is None for r in session.query(InboundMessage))
