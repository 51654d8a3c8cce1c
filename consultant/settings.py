"""One settings object, read from the environment by the composition root only."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


class SettingsError(ValueError):
    """A configuration value is wrong; the message says which and how to fix it."""


def _host_port(value: str, name: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise SettingsError(f"{name} must look like HOST:PORT, got {value!r}")
    return host or "127.0.0.1", int(port)


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _imap_url(raw: str | None) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("imap://", "imaps://")):
        raise SettingsError(
            f"CONSULTANT_IMAP_URL must start with imap:// or imaps://, got {raw.split('://')[0]!r}"
        )
    return raw


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    smtp_listen: tuple[str, int] = ("127.0.0.1", 2525)
    web_listen: tuple[str, int] = ("127.0.0.1", 8000)
    relay_url: str | None = None
    # The address questions are sent to; replies come from it.
    service_address: str = "consult@caseconsultant.localhost"
    service_name: str = "CaseConsultant"
    public_url: str = "http://127.0.0.1:8000"
    max_message_bytes: int = 10 * 1024 * 1024
    raw_retention_days: int = 30
    secret_key: str = "dev-only-change-me"
    plans_file: Path | None = None
    require_dmarc: bool = False
    authserv_ids: tuple[str, ...] = ()
    poll_seconds: float = 1.0
    draft_service_level_hours: int = 24
    # IMAP source: imap://user:pass@host:port/MAILBOX (imaps:// for TLS); None = no IMAP polling.
    imap_url: str | None = None
    # Where fetched mail is moved on the server; None = leave it in place and flag it \Seen instead.
    imap_processed_folder: str | None = "Processed"
    imap_rejected_folder: str = "Rejected"
    imap_poll_seconds: int = 30  # between passes of the worker's IMAP job
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def mailboxes(self) -> Path:
        return self.home / "mailboxes"

    @property
    def spool_dir(self) -> Path:
        return self.mailboxes / "spool"

    @property
    def drop_dir(self) -> Path:
        return self.mailboxes / "drop"

    @property
    def quarantine_dir(self) -> Path:
        return self.mailboxes / "quarantine"

    @property
    def sent_dir(self) -> Path:
        return self.mailboxes / "sent"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("CONSULTANT_HOME") or ".").resolve()
        db_url = env.get("CONSULTANT_DATABASE_URL") or f"sqlite:///{home / 'db' / 'consultant.sqlite3'}"
        web_listen = _host_port(env.get("CONSULTANT_WEB_LISTEN", "127.0.0.1:8000"), "CONSULTANT_WEB_LISTEN")
        public_url = env.get("CONSULTANT_PUBLIC_URL") or f"http://{web_listen[0]}:{web_listen[1]}"
        plans = env.get("CONSULTANT_PLANS_FILE")
        authserv = tuple(a.strip() for a in env.get("CONSULTANT_AUTHSERV_IDS", "").split(",") if a.strip())
        return cls(
            home=home,
            database_url=db_url,
            smtp_listen=_host_port(
                env.get("CONSULTANT_SMTP_LISTEN", "127.0.0.1:2525"), "CONSULTANT_SMTP_LISTEN"
            ),
            web_listen=web_listen,
            relay_url=env.get("CONSULTANT_RELAY_URL") or None,
            service_address=env.get("CONSULTANT_SERVICE_ADDRESS", cls.service_address),
            public_url=public_url.rstrip("/"),
            max_message_bytes=_int(env, "CONSULTANT_MAX_MESSAGE_BYTES", cls.max_message_bytes),
            raw_retention_days=_int(env, "CONSULTANT_RAW_RETENTION_DAYS", cls.raw_retention_days),
            secret_key=env.get("CONSULTANT_SECRET_KEY", cls.secret_key),
            plans_file=Path(plans) if plans else None,
            require_dmarc=_bool(env, "CONSULTANT_REQUIRE_DMARC", False),
            authserv_ids=authserv,
            imap_url=_imap_url(env.get("CONSULTANT_IMAP_URL")),
            # Set but empty means "do not move, flag \Seen".
            imap_processed_folder=env.get("CONSULTANT_IMAP_PROCESSED_FOLDER", "Processed") or None,
            imap_rejected_folder=env.get("CONSULTANT_IMAP_REJECTED_FOLDER") or cls.imap_rejected_folder,
            imap_poll_seconds=_int(env, "CONSULTANT_IMAP_POLL_SECONDS", cls.imap_poll_seconds),
        )
