"""A Maildir that survives crashes: a file is written to tmp/, fsynced, then renamed into new/.

Renames within one file system are atomic, so a reader sees a whole message or none. A message stays in
new/ until the database commit that recorded it; only then is it moved to cur/ (or quarantined).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

_counter = count()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Maildir:
    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def new(self) -> Path:
        return self.root / "new"

    @property
    def cur(self) -> Path:
        return self.root / "cur"

    def create(self) -> None:
        for sub in (self.tmp, self.new, self.cur):
            sub.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def unique_name() -> str:
        now = time.time()
        return f"{int(now)}.M{int((now % 1) * 1e6)}P{os.getpid()}Q{next(_counter)}.{socket.gethostname()}"

    def deliver(self, data: bytes, name: str | None = None) -> str:
        """Write durably into new/ and return the key. Returns only after fsync of file and folder."""
        self.create()
        key = name or self.unique_name()
        tmp_path = self.tmp / key
        with open(tmp_path, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp_path, self.new / key)
        _fsync_dir(self.new)
        return key

    def keys(self) -> list[str]:
        """Keys waiting in new/, oldest first (Maildir names start with the delivery time)."""
        if not self.new.is_dir():
            return []
        return sorted(p.name for p in self.new.iterdir() if not p.name.startswith("."))

    def read(self, key: str) -> bytes:
        return (self.new / key).read_bytes()

    def path(self, key: str) -> Path:
        new = self.new / key
        return new if new.exists() else self.cur / f"{key}:2,S"

    def mark_done(self, key: str) -> None:
        """Move a recorded message from new/ to cur/ (flag S: seen)."""
        # No fsync here: if a crash loses this rename, the file reappears in new/ and intake finds it
        # already recorded (by source and key), so it is only moved again.
        try:
            os.rename(self.new / key, self.cur / f"{key}:2,S")
        except FileNotFoundError:  # another worker sharing the spool moved it already
            return

    def move_to(self, key: str, other: Maildir) -> str:
        """Move a message into another Maildir's new/ (e.g. the quarantine), keeping its key."""
        other.create()
        try:
            os.rename(self.new / key, other.new / key)
        except FileNotFoundError:  # another worker sharing the spool moved it already
            return key
        return key  # no fsync needed, for the same reason as in mark_done

    def iter_cur(self) -> Iterator[Path]:
        if self.cur.is_dir():
            yield from (p for p in self.cur.iterdir() if not p.name.startswith("."))
