"""The parsed message: an immutable value every intake stage reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ParsedMail:
    sha256: str
    size: int
    headers: tuple[tuple[str, str], ...]  # in order, names as written
    message_id: str | None
    subject: str
    from_address: str | None  # lower-cased addr-spec, or None when there is no usable From
    from_name: str
    to: tuple[str, ...]
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    content_type: str  # top-level, lower case, e.g. "multipart/report"
    text: str  # text/plain parts joined
    html: str | None  # text/html parts joined, unsanitised (never rendered as-is)
    attachments: tuple[Attachment, ...] = ()
    defects: tuple[str, ...] = ()

    def header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return None

    def header_all(self, name: str) -> list[str]:
        lname = name.lower()
        return [value for key, value in self.headers if key.lower() == lname]
