"""Reading a code-set file as given by the operator: a plain file or a zip holding it."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path


class WrongFile(ValueError):
    """The file is not the kind the operator said it is. The message is one line, for the CLI."""


@dataclass(frozen=True)
class SourceFile:
    name: str  # the file name as given, or "archive.zip!member.txt"
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def stem(self) -> str:
        return Path(self.name.split("!")[-1]).stem


def read_source(path: Path, member: Callable[[str], bool]) -> SourceFile:
    """The file's bytes; for a zip, the bytes of the one member that `member` accepts."""
    raw = path.read_bytes()
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        return SourceFile(path.name, raw)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        names = [n for n in archive.namelist() if not n.endswith("/") and member(Path(n).name)]
        if not names:
            listing = ", ".join(archive.namelist()[:6])
            raise WrongFile(f"{path.name} holds no file of this kind (it holds: {listing})")
        names.sort(key=len)
        return SourceFile(f"{path.name}!{names[0]}", archive.read(names[0]))


def first_line(data: bytes, limit: int = 60) -> str:
    line = data.split(b"\n", 1)[0].decode("latin-1", "replace").rstrip("\r")
    return line if len(line) <= limit else line[:limit] + "…"


def fiscal_year(year: int) -> tuple[date, date]:
    """ICD-10 fiscal year FYnnnn runs from October 1 of the year before to September 30."""
    return date(year - 1, 10, 1), date(year, 9, 30)


def year_in(name: str) -> int | None:
    """A four-digit year 2000-2099 in a file name (icd10pcs_order_2026.txt, HCPC2020_ANWEB…)."""
    found = re.findall(r"(?<!\d)(20\d\d)(?!\d)", name)
    return int(found[-1]) if found else None
