"""The built-in SMTP receiver. It only writes bytes into the spool; `250` is said after the fsync.

aiosmtpd enforces the size limit itself (`552` for DATA over `data_size_limit`); a spool failure answers
`451`, so the sending server keeps the message and tries again: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from consultant.mail.maildir import Maildir

log = logging.getLogger(__name__)


class SpoolHandler:
    def __init__(self, spool: Maildir, on_delivered: Callable[[str], None] | None = None) -> None:
        self.spool = spool
        self.on_delivered = on_delivered

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        if isinstance(data, str):
            data = data.encode("utf-8", errors="surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        trace = f"X-Consultant-Envelope-From: <{envelope.mail_from or ''}>\r\nX-Consultant-Peer: {peer}\r\n".encode()
        try:
            loop = asyncio.get_running_loop()
            key = await loop.run_in_executor(None, self.spool.deliver, trace + data)
        except Exception:
            log.exception("spool write failed")
            return "451 4.3.0 Could not store the message; please try again later"
        log.info("smtp accepted %s bytes from %s as %s", len(data), peer, key)
        if self.on_delivered is not None:
            self.on_delivered(key)
        return f"250 2.0.0 OK queued as {key}"


class SmtpReceiver:
    """Runs aiosmtpd in its own thread; `start()` returns once it accepts connections."""

    def __init__(
        self,
        spool: Maildir,
        host: str,
        port: int,
        max_message_bytes: int,
        on_delivered: Callable[[str], None] | None = None,
    ) -> None:
        self.handler = SpoolHandler(spool, on_delivered)
        smtp_options: dict[str, Any] = {
            "data_size_limit": max_message_bytes,
            "decode_data": False,
            "ident": "CaseConsultant ESMTP",
        }
        self.controller = Controller(self.handler, hostname=host, port=port, **smtp_options)

    @property
    def address(self) -> tuple[str, int]:
        return self.controller.hostname, self.controller.port

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
