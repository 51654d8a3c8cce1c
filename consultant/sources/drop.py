"""The Maildir drop: an operator (or another MTA, procmail, fetchmail) puts mail files into
mailboxes/drop/new; the intake drains it like the spool. Files dropped straight into new/ without the
tmp/ step may be half written, so a file is taken only once its size has stopped changing."""

from __future__ import annotations

import time
from pathlib import Path


def settled(path: Path, min_age_seconds: float = 1.0) -> bool:
    try:
        return time.time() - path.stat().st_mtime >= min_age_seconds
    except FileNotFoundError:
        return False
