"""Building RFC 5322 messages: multipart/alternative text + HTML, threaded, with a stable Message-ID."""

from __future__ import annotations

import email.utils
from collections.abc import Iterable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP


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
    msg = EmailMessage(policy=SMTP)
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
