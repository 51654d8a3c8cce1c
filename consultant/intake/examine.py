"""The read-only half of intake: everything decided from the bytes alone (plus code look-ups),
before any write transaction is opened. Keeps the database's write lock short."""

from __future__ import annotations

import email.parser
import hashlib
from dataclasses import dataclass, field
from datetime import date

from consultant.codes.service import CodeService
from consultant.codes.values import CodeFacts, FoundCode
from consultant.intake.classify import Rule, classify
from consultant.intake.mail import ParsedMail
from consultant.intake.parse import Unparseable, parse_mail
from consultant.intake.question_text import question_text
from consultant.intake.verdict import Verdict, quarantined


@dataclass(frozen=True)
class Examined:
    raw: bytes
    sha256: str
    mail: ParsedMail | None = None
    verdict: Verdict | None = None  # None: a person's question, to be drafted
    text: str = ""
    found: list[FoundCode] = field(default_factory=list)
    facts: CodeFacts = field(default_factory=CodeFacts)
    # What little we know of mail we could not parse (oversize): for the record.
    message_id: str | None = None
    from_header: str | None = None
    subject: str = ""


def _header_only(raw: bytes) -> tuple[str | None, str | None, str]:
    headers = email.parser.BytesHeaderParser().parsebytes(raw[:65536])
    return headers.get("Message-ID"), (headers.get("From") or None), str(headers.get("Subject") or "")


def codes_for(codes: CodeService, text: str, on: date) -> tuple[list[FoundCode], CodeFacts]:
    found = codes.find(text, on)
    facts = codes.facts(found, on)
    if not found and text.strip():
        facts = CodeFacts(hints=facts.hints, candidates=tuple(codes.search(text[:500], limit=5)))
    return found, facts


def examine(raw: bytes, rules: tuple[Rule, ...], max_bytes: int, codes: CodeService, on: date) -> Examined:
    sha = hashlib.sha256(raw).hexdigest()
    if len(raw) > max_bytes:
        mid, sender, subject = _header_only(raw)
        too_big = quarantined(f"oversize: {len(raw)} bytes is over the {max_bytes}-byte limit")
        return Examined(raw, sha, verdict=too_big, message_id=mid, from_header=sender, subject=subject)
    try:
        mail = parse_mail(raw)
    except Unparseable as exc:
        return Examined(raw, sha, verdict=quarantined(f"malformed: {exc}"))
    verdict = classify(mail, rules)
    if verdict is not None:
        return Examined(raw, sha, mail=mail, verdict=verdict)
    text = question_text(mail)
    found, facts = codes_for(codes, text, on)
    return Examined(raw, sha, mail=mail, text=text, found=found, facts=facts)
