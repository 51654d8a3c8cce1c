"""Stage 3, classify: is this a person's question, or mail we must not answer?

Each rule is a small function returning a Verdict or None; the first that fires decides. Order matters:
size and structure first, then automatic mail (RFC 3834), then lists and loops.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from consultant.intake.mail import ParsedMail
from consultant.intake.verdict import Verdict, ignored, quarantined

Rule = Callable[[ParsedMail], Verdict | None]

_BOUNCE_SENDERS = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailer)@", re.I)
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|respuesta autom[áa]tica|away from (my|the) (desk|office))\b",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliverable|undelivered mail|delivery status notification|mail delivery (failed|failure)|"
    r"returned mail|failure notice)\b",
    re.I,
)


def oversize(limit: int) -> Rule:
    def rule(mail: ParsedMail) -> Verdict | None:
        if mail.size > limit:
            return quarantined(f"oversize: {mail.size} bytes is over the {limit}-byte limit")
        return None

    return rule


def no_sender(mail: ParsedMail) -> Verdict | None:
    if mail.from_address is None:
        return quarantined("malformed: no single usable From address")
    return None


def bounce(mail: ParsedMail) -> Verdict | None:
    if mail.content_type == "multipart/report":
        return ignored("bounce: delivery status notification (multipart/report)")
    if _BOUNCE_SENDERS.match(mail.from_address or "") and (
        (mail.header("Return-Path") or "").strip() in {"<>", ""} or _BOUNCE_SUBJECT.match(mail.subject)
    ):
        return ignored(f"bounce: from {mail.from_address}")
    if (mail.header("Return-Path") or "").strip() == "<>" and _BOUNCE_SUBJECT.match(mail.subject):
        return ignored("bounce: null return path and a delivery-failure subject")
    return None


def auto_reply(mail: ParsedMail) -> Verdict | None:
    """RFC 3834: any Auto-Submitted value other than "no" is automatic; "no" is a person."""
    auto_submitted = mail.header("Auto-Submitted")
    if auto_submitted is not None:
        keyword = auto_submitted.split(";", 1)[0].strip().lower()
        if keyword != "no":
            return ignored(f"auto-reply: Auto-Submitted: {keyword}")
        return None  # a person said so explicitly; other hints don't override it
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponse"):
        if mail.header(name) is not None:
            return ignored(f"auto-reply: {name} header")
    if (mail.header("X-Auto-Response-Suppress") or "").strip().lower() in {"all", "oof", "autoreply"} and (
        _AUTO_SUBJECT.match(mail.subject)
    ):
        return ignored("auto-reply: out-of-office (X-Auto-Response-Suppress)")
    precedence = (mail.header("Precedence") or "").strip().lower()
    if precedence in {"auto_reply", "junk", "bulk"}:
        return ignored(f"auto-reply: Precedence: {precedence}")
    if _AUTO_SUBJECT.match(mail.subject):
        return ignored("auto-reply: out-of-office subject")
    return None


def mailing_list(mail: ParsedMail) -> Verdict | None:
    if mail.header("List-Id") is not None or mail.header("List-Post") is not None:
        return ignored("mailing list: List-Id/List-Post header")
    if (mail.header("Precedence") or "").strip().lower() == "list":
        return ignored("mailing list: Precedence: list")
    return None


def loop(service_address: str) -> Rule:
    service = service_address.lower()

    def rule(mail: ParsedMail) -> Verdict | None:
        if mail.from_address == service:
            return ignored("loop: sent from our own address")
        if any(service in v.lower() for v in mail.header_all("X-Loop")):
            return ignored("loop: X-Loop names our address")
        return None

    return rule


def unreadable(mail: ParsedMail) -> Verdict | None:
    if not mail.text.strip() and not (mail.html or "").strip() and not mail.subject.strip():
        return quarantined("malformed: no readable text, HTML or subject" + _defects(mail))
    return None


def _defects(mail: ParsedMail) -> str:
    return f" ({'; '.join(mail.defects[:3])})" if mail.defects else ""


def rules_for(max_bytes: int, service_address: str) -> tuple[Rule, ...]:
    return (
        oversize(max_bytes),
        no_sender,
        bounce,
        auto_reply,
        mailing_list,
        loop(service_address),
        unreadable,
    )


def classify(mail: ParsedMail, rules: tuple[Rule, ...]) -> Verdict | None:
    """None means: a person's question; go on."""
    for rule in rules:
        verdict = rule(mail)
        if verdict is not None:
            return verdict
    return None
