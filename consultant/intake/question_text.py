"""Stage: the question a person wrote, without the quoted earlier mail and the signature."""

from __future__ import annotations

import re

from email_reply_parser import EmailReplyParser

from consultant.intake.html_text import html_to_text
from consultant.intake.mail import ParsedMail

# "On Tue, 3 Mar 2026 at 10:00, Coder <x@y> wrote:" and Outlook's "-----Original Message-----" / "From: …" header
_ATTRIBUTION = re.compile(r"^\s*(On .{3,200}wrote:|-{2,}\s*Original Message\s*-{2,}|_{10,})\s*$", re.I | re.M)
_OUTLOOK_HEADER = re.compile(r"^\s*From: .+\n\s*(Sent|Date): .+", re.I | re.M)
_SIGNATURE = re.compile(r"^-- ?$", re.M)

MAX_QUESTION_CHARS = 20_000


def strip_reply(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    for pattern in (_ATTRIBUTION, _OUTLOOK_HEADER):
        match = pattern.search(text)
        if match:
            text = text[: match.start()]
    sig = _SIGNATURE.search(text)
    if sig:
        text = text[: sig.start()]
    text = EmailReplyParser.parse_reply(text)
    lines = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def question_text(mail: ParsedMail) -> str:
    body = mail.text if mail.text.strip() else html_to_text(mail.html or "")
    text = strip_reply(body)
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS] + "\n[… question cut at 20,000 characters]"
    return text
