"""Raw mail can hold patient information: keep it only as long as the retention setting says."""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from consultant.models import InboundMessage


def purge_raw_rows(session: Session, now: datetime, days: int) -> int:
    cutoff = now - timedelta(days=days)
    result = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.raw.is_not(None))
        .values(raw=None, raw_purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def purge_files(folders: list[Path], days: int, now_ts: float | None = None) -> int:
    """Delete processed spool files (cur/) older than the retention period."""
    cutoff = (now_ts or time.time()) - days * 86400
    removed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            if path.name.startswith("."):
                continue
            try:
                if path.stat().st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except FileNotFoundError:
                continue
    return removed
