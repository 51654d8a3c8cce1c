"""Where the IMAP source polls: parsed from `imap://user:pass@host:port/MAILBOX` (`imaps://` for TLS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from consultant.settings import SettingsError


@dataclass(frozen=True)
class ImapTarget:
    host: str
    port: int
    tls: bool
    username: str
    password: str = field(repr=False)  # never printed, never logged
    mailbox: str = "INBOX"

    @property
    def ledger_name(self) -> str:
        """How the ledger names this mailbox: stable, and without the password."""
        return f"{self.username}@{self.host}/{self.mailbox}"

    @property
    def display(self) -> str:
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{self.username}@{self.host}:{self.port}/{self.mailbox}"


def parse_imap_url(url: str) -> ImapTarget:
    """Parse the setting; the error never repeats the URL, which holds a password."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps"):
        raise SettingsError("CONSULTANT_IMAP_URL must start with imap:// or imaps://")
    if not parts.hostname:
        raise SettingsError("CONSULTANT_IMAP_URL has no host")
    if parts.username is None or parts.password is None:
        raise SettingsError("CONSULTANT_IMAP_URL must carry user:password@ before the host")
    tls = parts.scheme == "imaps"
    try:
        port = parts.port or (993 if tls else 143)
    except ValueError as exc:
        raise SettingsError("CONSULTANT_IMAP_URL has a port that is not a number") from exc
    mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapTarget(
        host=parts.hostname,
        port=port,
        tls=tls,
        username=unquote(parts.username),
        password=unquote(parts.password),
        mailbox=mailbox,
    )
