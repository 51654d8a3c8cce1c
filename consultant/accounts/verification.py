"""Verified senders: trust the From address only when our own receiving server says DMARC passed.

Pure: reads the Authentication-Results headers (RFC 8601) of a message, parsed with `authres`.
Only headers stamped by an authserv-id we are configured to trust count, because anyone can write an
Authentication-Results header into a message they send. Of those, the topmost one (added last, by the
server nearest to us) decides: a forged trusted-looking header lower down cannot override it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import authres

from consultant.accounts.addresses import AddressError, domain_of
from consultant.accounts.headers import Headers, header_values

HEADER = "authentication-results"


@dataclass(frozen=True)
class SenderVerdict:
    verified: bool
    reason: str  # why, in words an operator and a coder understand
    authserv_id: str | None = None


def _parse(value: str) -> Any | None:
    try:
        return authres.AuthenticationResultsHeader.parse_value(" ".join(value.split()))
    except authres.AuthResError:
        return None


def _prop(result: Any, ptype: str, name: str) -> str | None:
    for p in result.properties or ():
        if str(p.type).lower() == ptype and str(p.name).lower() == name:
            return str(p.value or "").strip().lower()
    return None


def sender_verdict(headers: Headers, from_address: str, authserv_ids: tuple[str, ...]) -> SenderVerdict:
    """Verified only if the topmost trusted Authentication-Results header shows dmarc=pass for the
    From address's own domain. Headers are given in message order (topmost first)."""
    try:
        from_domain = domain_of(from_address)
    except AddressError:
        return SenderVerdict(False, f"the From address {from_address!r} is not a mail address")
    trusted = {a.strip().lower() for a in authserv_ids if a.strip()}
    if not trusted:
        return SenderVerdict(False, "no trusted authserv-id is configured (CONSULTANT_AUTHSERV_IDS)")
    values = header_values(headers, HEADER)
    for value in values:
        parsed = _parse(value)
        if parsed is None or str(parsed.authserv_id).lower() not in trusted:
            continue
        return _judge(parsed, from_domain)
    if values:
        return SenderVerdict(False, "no Authentication-Results header from a trusted server")
    return SenderVerdict(False, "no Authentication-Results header")


def _judge(parsed: Any, from_domain: str) -> SenderVerdict:
    server = str(parsed.authserv_id).lower()
    dmarc = [r for r in parsed.results if str(r.method).lower() == "dmarc"]
    if not dmarc:
        return SenderVerdict(False, f"{server} recorded no DMARC result", server)
    for r in dmarc:
        result, domain = str(r.result).lower(), _prop(r, "header", "from")
        if domain is not None and domain != from_domain:
            reason = f"{server}: DMARC was evaluated for {domain}, not {from_domain}"
            return SenderVerdict(False, reason, server)
        if result != "pass":
            return SenderVerdict(False, f"{server}: DMARC {result} for {from_domain}", server)
    if all(_prop(r, "header", "from") is None for r in dmarc):
        return SenderVerdict(False, f"{server}: DMARC result does not name the From domain", server)
    return SenderVerdict(True, f"{server}: DMARC pass for {from_domain}", server)
