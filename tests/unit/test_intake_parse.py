from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consultant.intake.parse import Unparseable, parse_mail


def test_headers_and_body() -> None:
    raw = (
        b"From: =?utf-8?q?Jos=C3=A9?= <Jose@Example.TEST>\r\nTo: a@b.test, c@d.test\r\n"
        b"Subject: =?utf-8?q?Frage_zu_E11.22?=\r\nMessage-ID: <m1@example.test>\r\n"
        b"In-Reply-To: <r1@x.test>\r\nReferences: <r0@x.test> <r1@x.test>\r\n\r\nBody text\r\n"
    )
    mail = parse_mail(raw)
    assert mail.from_address == "jose@example.test"
    assert mail.from_name == "José"
    assert mail.subject == "Frage zu E11.22"
    assert mail.message_id == "<m1@example.test>"
    assert mail.in_reply_to == ("<r1@x.test>",)
    assert mail.references == ("<r0@x.test>", "<r1@x.test>")
    assert mail.to == ("a@b.test", "c@d.test")
    assert "Body text" in mail.text
    assert mail.header("message-id") == "<m1@example.test>"


def test_unknown_charset_is_decoded_with_replacement_and_recorded() -> None:
    raw = (
        b"From: a@b.test\r\nSubject: x\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\n"
        b"E11.22 caf\xe9\r\n"
    )
    mail = parse_mail(raw)
    assert "E11.22" in mail.text
    assert mail.defects  # the charset problem is kept for the coder to see


def test_binary_junk_is_unparseable() -> None:
    with pytest.raises(Unparseable):
        parse_mail(b"\x00\x01\x02 no header here\r\n\r\n")


def test_several_from_headers_give_no_sender() -> None:
    mail = parse_mail(b"From: a@b.test\r\nFrom: c@d.test\r\nSubject: s\r\n\r\nx\r\n")
    assert mail.from_address is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_parse_never_raises_anything_but_unparseable(data: bytes) -> None:
    raw = b"From: fuzz@example.test\r\nSubject: fuzz\r\n" + data
    try:
        mail = parse_mail(raw)
    except Unparseable:
        return
    assert mail.sha256 and mail.size == len(raw)
