"""Logging for the long-running processes: ids, states and reasons only, never message bodies."""

from __future__ import annotations

import logging


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("apscheduler", "alembic", "mail.log", "mailparser", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
