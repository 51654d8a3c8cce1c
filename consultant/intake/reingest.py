"""Re-ingesting a quarantined message once the cause is fixed: its bytes go back into the spool."""

from __future__ import annotations

from consultant.mail.maildir import Maildir
from consultant.models import InboundMessage


class ReingestRefused(ValueError):
    """Only a quarantined message whose raw bytes are still kept can be re-ingested."""


def reingest(spool: Maildir, row: InboundMessage, actor: str) -> str:
    """Deliver the bytes again and let the old record step aside.

    Returns the new spool key; the caller audits and commits.

    The spool file is written first: if the commit then fails, intake finds the bytes and records them as a
    duplicate of the old row, so nothing is lost. Without its digest and Message-ID the old record no longer
    makes intake's duplicate check mistake the re-delivered bytes for a copy of it; its reason keeps what it
    was and where it went.
    """
    if row.state != "quarantined" or row.raw is None:
        raise ReingestRefused(
            f"Message #{row.id} is {row.state}"
            + ("" if row.raw else " and its raw bytes are purged")
            + "; only a quarantined message with its bytes can be re-ingested."
        )
    key = spool.deliver(row.raw)
    row.reason = f"re-ingested by {actor} as spool/{key}; sha256 {row.sha256}; was: {row.reason}"[:2000]
    row.state, row.sha256, row.message_id = "ignored", "", None
    return key
