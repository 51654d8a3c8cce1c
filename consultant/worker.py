"""The worker: APScheduler jobs that drain the spool, flush the outbox and keep house."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from consultant.app import App
from consultant.intake.pipeline import drain_spool
from consultant.outbound.flush import flush_outbox
from consultant.retention import purge_files, purge_raw_rows

log = logging.getLogger(__name__)


def _safely(name: str, fn: Any, *args: Any) -> Any:
    """A failing job is logged and tried again at its next run; it never stops the scheduler."""
    try:
        return fn(*args)
    except Exception:
        log.exception("job %s failed", name)
        return None


def purge_job(app: App) -> None:
    days = app.settings.raw_retention_days
    with app.sessions() as session, session.begin():
        rows = purge_raw_rows(session, app.clock(), days)
    files = purge_files([app.spool.cur, app.drop.cur, app.quarantine.cur], days)
    if rows or files:
        log.info("retention: purged raw mail from %s rows and %s files older than %s days", rows, files, days)


def settle_job(app: App) -> None:
    """Charge reservations left on sent drafts, release those on rejected or expired ones."""
    from consultant.quota.ledger import settle_orphans

    with app.sessions() as session, session.begin():
        settle_orphans(session, app.clock())


def monthly_job(app: App) -> None:
    from consultant.accounts.periods import reset_monthly_periods

    with app.sessions() as session, session.begin():
        moved = reset_monthly_periods(session, app.plans, app.clock())
    if moved:
        log.info("quota: started a new month for %s account(s)", moved)


def overdue_job(app: App) -> int:
    """Remind the team about drafts waiting longer than the service level (the queue page shows them too)."""
    from sqlalchemy import func, select

    from consultant.models import Draft

    cutoff = app.clock() - timedelta(hours=app.settings.draft_service_level_hours)
    with app.read_sessions() as session:
        overdue = session.scalar(
            select(func.count()).select_from(Draft).where(Draft.state == "pending", Draft.created_at < cutoff)
        )
    if overdue:
        log.warning("%s draft(s) waiting longer than %s h", overdue, app.settings.draft_service_level_hours)
    return int(overdue or 0)


class _ExpectedSkip(logging.Filter):
    """The SMTP receiver wakes the drain job on every delivery; when the job is already running, APScheduler
    skips the extra run with a WARNING. That is the design (the running drain or the next poll a second
    later takes the message), not a problem, so it must not alarm whoever watches `make run`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


_SKIP_FILTER = _ExpectedSkip()


class Worker:
    def __init__(self, app: App) -> None:
        self.app = app
        scheduler_log = logging.getLogger("apscheduler.scheduler")
        if _SKIP_FILTER not in scheduler_log.filters:
            scheduler_log.addFilter(_SKIP_FILTER)
        self.scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
        )
        poll = app.settings.poll_seconds
        self.scheduler.add_job(
            lambda: _safely("drain", drain_spool, app), "interval", seconds=poll, id="drain"
        )
        self.scheduler.add_job(lambda: _safely("flush", flush_outbox, app), "interval", seconds=2, id="flush")
        self.scheduler.add_job(
            lambda: _safely("purge", purge_job, app),
            "interval",
            hours=6,
            id="purge",
            next_run_time=datetime.now(),
        )
        self.scheduler.add_job(
            lambda: _safely("monthly", monthly_job, app), "interval", hours=1, id="monthly"
        )
        if app.settings.imap_url:
            self.scheduler.add_job(
                self.poll_imap,
                "interval",
                seconds=app.settings.imap_poll_seconds,
                id="imap",
                next_run_time=datetime.now(),
            )

    def wake_drain(self, _key: str = "") -> None:
        """Called by the SMTP receiver after a delivery, so a draft appears without waiting for the poll."""
        job = self.scheduler.get_job("drain")
        if job is not None:
            job.modify(next_run_time=datetime.now(self.scheduler.timezone))

    def poll_imap(self) -> None:
        from consultant.sources.imap import poll_once

        result = _safely("imap", poll_once, self.app)
        if result is not None and result.fetched:
            self.wake_drain()

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)
