"""Stage 1, parse: raw bytes → ParsedMail. Never raises: broken MIME becomes recorded defects."""

from __future__ import annotations

import email.header
import email.utils
import hashlib
import re
from email.message import Message
from typing import Any

import mailparser

from consultant.intake.mail import Attachment, ParsedMail

_MSGID_RE = re.compile(r"<[^<>\s]+>")


class Unparseable(Exception):
    """Not an email message at all (e.g. binary junk with no header block)."""


def _decode_header(value: Any) -> str:
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(str(value))
        out = []
        for chunk, charset in parts:
            if isinstance(chunk, bytes):
                try:
                    out.append(chunk.decode(charset or "ascii", errors="replace"))
                except LookupError:  # unknown charset named in an encoded word
                    out.append(chunk.decode("utf-8", errors="replace"))
            else:
                out.append(chunk)
        return " ".join("".join(out).split())
    except Exception:
        return " ".join(str(value).split())


def _message_ids(value: str | None) -> tuple[str, ...]:
    return tuple(_MSGID_RE.findall(value or ""))


def _from(message: Message) -> tuple[str | None, str]:
    values = message.get_all("From") or []
    if len(values) != 1:  # none, or several From headers: no single sender we can trust
        return None, ""
    name, addr = email.utils.parseaddr(_decode_header(values[0]))
    addr = addr.strip().lower()
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@") or " " in addr:
        return None, name
    return addr, name


def parse_mail(raw: bytes) -> ParsedMail:
    sha = hashlib.sha256(raw).hexdigest()
    head = raw[:4096]
    if b":" not in head.split(b"\n", 1)[0]:
        raise Unparseable("the first line is not a header field")
    defects: list[str] = []
    try:
        parsed = mailparser.parse_from_bytes(raw)
        message: Message = parsed.message
        text = "\n".join(parsed.text_plain)
        html_parts = parsed.text_html
        attachments = tuple(
            Attachment(
                filename=_decode_header(a.get("filename") or "unnamed"),
                content_type=str(a.get("mail_content_type") or "application/octet-stream"),
                size=len(a.get("payload") or ""),
            )
            for a in parsed.attachments
        )
        for entry in parsed.defects or []:
            if isinstance(entry, dict):
                for kind, items in entry.items():
                    defects.extend(f"{kind}: {item}" for item in items)
            else:
                defects.append(str(entry))
    except Exception as exc:  # mail-parser gave up: fall back to the standard library's lenient parser
        defects.append(f"mail-parser failed: {type(exc).__name__}")
        message = email.message_from_bytes(raw)
        text, html_parts, attachments = _fallback_bodies(message, defects)
    defects.extend(type(d).__name__ for d in getattr(message, "defects", []) or [])
    from_address, from_name = _from(message)
    headers = tuple((str(k), _decode_header(v)) for k, v in message.items())
    message_id = _message_ids(message.get("Message-ID"))
    return ParsedMail(
        sha256=sha,
        size=len(raw),
        headers=headers,
        message_id=message_id[0] if message_id else None,
        subject=_decode_header(message.get("Subject")),
        from_address=from_address,
        from_name=from_name,
        to=tuple(a.lower() for _, a in email.utils.getaddresses(message.get_all("To") or []) if a),
        in_reply_to=_message_ids(message.get("In-Reply-To")),
        references=_message_ids(message.get("References")),
        content_type=message.get_content_type(),
        text=text,
        html="\n".join(html_parts) if html_parts else None,
        attachments=attachments,
        defects=tuple(dict.fromkeys(defects)),
    )


def _fallback_bodies(message: Message, defects: list[str]) -> tuple[str, list[str], tuple[Attachment, ...]]:
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if not isinstance(payload, bytes):
            continue
        if part.get_filename():
            attachments.append(Attachment(part.get_filename() or "", part.get_content_type(), len(payload)))
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            body = payload.decode(charset, errors="replace")
        except LookupError:
            defects.append(f"unknown charset {charset!r}")
            body = payload.decode("utf-8", errors="replace")
        (htmls if part.get_content_type() == "text/html" else texts).append(body)
    return "\n".join(texts), htmls, tuple(attachments)
