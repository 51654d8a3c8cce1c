"""Where outgoing mail goes: the embedded `mailboxes/sent` Maildir, or an SMTP relay."""

from __future__ import annotations

import smtplib
from typing import Protocol
from urllib.parse import unquote, urlsplit

from consultant.mail.maildir import Maildir
from consultant.settings import Settings, SettingsError


class TransientError(Exception):
    """Try again later (SMTP 4xx, connection refused, timeout)."""


class PermanentError(Exception):
    """Will never succeed (SMTP 5xx): dead-letter it."""


class Transport(Protocol):
    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None: ...


class MaildirTransport:
    """The embedded default: every reply becomes a file in mailboxes/sent/new."""

    def __init__(self, box: Maildir) -> None:
        self.box = box

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        self.box.deliver(raw)


class SmtpRelayTransport:
    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
            raise SettingsError(
                f"CONSULTANT_RELAY_URL must look like smtp://user:pass@host:port, got scheme {parts.scheme!r}"
            )
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.timeout = timeout

    def send(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        try:
            cls = smtplib.SMTP_SSL if self.scheme == "smtps" else smtplib.SMTP
            with cls(self.host, self.port, timeout=self.timeout) as smtp:
                if self.scheme == "smtp+starttls":
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.sendmail(sender, recipients, raw)
        except smtplib.SMTPResponseException as exc:
            err = f"{exc.smtp_code} {exc.smtp_error!r}"
            if 400 <= exc.smtp_code < 500:
                raise TransientError(err) from exc
            raise PermanentError(err) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if all(400 <= c < 500 for c in codes):
                raise TransientError(str(exc.recipients)) from exc
            raise PermanentError(str(exc.recipients)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc


def transport_for(settings: Settings) -> Transport:
    if settings.relay_url:
        return SmtpRelayTransport(settings.relay_url)
    return MaildirTransport(Maildir(settings.sent_dir))
