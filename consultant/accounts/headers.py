"""Reading header fields from whatever shape the caller holds: a Message, a mapping, or pairs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from email.message import Message

Headers = Mapping[str, str] | Iterable[tuple[str, str]] | Message


def header_values(headers: Headers, name: str) -> list[str]:
    """Every value of header `name` (case-insensitive), in message order."""
    wanted = name.lower()
    if isinstance(headers, Message):
        return [str(v) for v in headers.get_all(name, [])]
    if isinstance(headers, Mapping):
        return [str(v) for k, v in headers.items() if k.lower() == wanted]
    return [str(v) for k, v in headers if k.lower() == wanted]


def header_names(headers: Headers) -> set[str]:
    if isinstance(headers, Message):
        return {k.lower() for k in headers}
    if isinstance(headers, Mapping):
        return {k.lower() for k in headers}
    return {k.lower() for k, _ in headers}
