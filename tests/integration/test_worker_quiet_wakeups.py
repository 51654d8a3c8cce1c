"""`make run` prints no WARNING when mail arrives while the drain job is already running (the receiver wakes
the job on every delivery; APScheduler skips the overlapping run, by design)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

import consultant.worker as worker_module
from consultant.app import App
from consultant.worker import Worker

pytestmark = pytest.mark.integration


def test_wakeups_during_a_running_drain_log_no_warning(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    running = threading.Event()
    runs: list[float] = []

    def slow_drain(_app: App) -> list[object]:
        runs.append(time.monotonic())
        running.set()
        time.sleep(0.6)
        return []

    monkeypatch.setattr(worker_module, "drain_spool", slow_drain)
    caplog.set_level(logging.INFO)
    w = Worker(app)
    w.start()
    try:
        w.wake_drain()
        assert running.wait(5)
        for _ in range(3):  # three deliveries while the drain runs
            w.wake_drain()
            time.sleep(0.05)
        time.sleep(0.8)
    finally:
        w.stop()
    assert runs, "the drain never ran"
    skipped = [r for r in caplog.records if "maximum number of running instances" in r.getMessage()]
    assert skipped == []
    assert not [
        r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("apscheduler")
    ]


def test_other_scheduler_warnings_still_show(app: App, caplog: pytest.LogCaptureFixture) -> None:
    Worker(app)
    caplog.set_level(logging.INFO)
    logging.getLogger("apscheduler.scheduler").warning("Run time of job %s was missed by %s", "x", "0:00:05")
    assert any("was missed" in r.getMessage() for r in caplog.records)
