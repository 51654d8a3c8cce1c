"""Building RFC 5322 messages: multipart/alternative text + HTML, threaded, with a stable Message-ID."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from datetime import UTC, datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP


class _CachedHeaderClasses(HeaderRegistry):
    """The standard registry builds a new header class with type() for every header it stores, which is
    most of the cost of composing a message. The class depends only on the header's name, so build it
    once per name: the headers, and so the bytes, are exactly those the standard registry gives."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


# SMTP (CRLF line ends, RFC 5322 headers) with the cached header classes; only our own messages use it,
# so the cache holds the few header names compose sets.
COMPOSE_POLICY = SMTP.clone(header_factory=_CachedHeaderClasses())


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1] or "localhost"


def stable_message_id(kind: str, ident: int | str, token: str, service_address: str) -> str:
    """Deterministic, so a resend after a crash carries the same Message-ID and is recognisable."""
    return f"<{kind}-{ident}.{token.lower()}@{domain_of(service_address)}>"


def compose(
    *,
    from_name: str,
    from_address: str,
    to_address: str,
    subject: str,
    text: str,
    html: str,
    message_id: str,
    when: datetime,
    in_reply_to: str | None = None,
    references: Iterable[str] = (),
    extra_headers: Iterable[tuple[str, str]] = (),
) -> EmailMessage:
    msg = EmailMessage(policy=COMPOSE_POLICY)
    user, _, domain = from_address.partition("@")
    msg["From"] = Address(display_name=from_name, username=user, domain=domain)
    msg["To"] = to_address
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(when.replace(tzinfo=UTC))
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    refs = list(dict.fromkeys(r for r in references if r))
    if refs:
        msg["References"] = " ".join(refs[-20:])  # keep the header bounded on long threads
    for name, value in extra_headers:
        msg[name] = value
    msg.set_content(text, subtype="plain", charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg
