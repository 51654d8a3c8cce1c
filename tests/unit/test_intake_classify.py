from __future__ import annotations

import pytest

from consultant.intake.classify import classify, rules_for
from consultant.intake.parse import parse_mail

RULES = rules_for(max_bytes=10_000, service_address="consult@caseconsultant.localhost")


def verdict(headers: str, body: str = "E11.22?") -> tuple[str, str] | None:
    raw = (headers.strip().replace("\n", "\r\n") + "\r\n\r\n" + body).encode()
    v = classify(parse_mail(raw), RULES)
    return None if v is None else (v.state, v.reason)


BASE = "From: pat@example.test\nSubject: Question\nMessage-ID: <a@b>"


def test_person_is_not_classified() -> None:
    assert verdict(BASE) is None


@pytest.mark.parametrize(
    "value", ["auto-replied", "auto-generated", "auto-notified", "Auto-Replied; owner=x"]
)
def test_auto_submitted_other_than_no_is_automatic(value: str) -> None:
    assert verdict(f"{BASE}\nAuto-Submitted: {value}")[0] == "ignored"  # type: ignore[index]


def test_auto_submitted_no_is_a_person_even_with_other_hints() -> None:
    assert (
        verdict(
            "From: pat@example.test\nSubject: Out of office question\nAuto-Submitted: no\nPrecedence: bulk"
        )
        is None
    )


def test_out_of_office_subject() -> None:
    assert verdict("From: pat@example.test\nSubject: Out of Office: back Monday")[1].startswith("auto-reply")  # type: ignore[index]


def test_precedence_bulk() -> None:
    assert verdict(f"{BASE}\nPrecedence: bulk")[1] == "auto-reply: Precedence: bulk"  # type: ignore[index]


def test_dsn_is_a_bounce() -> None:
    v = verdict(
        "From: MAILER-DAEMON@mx.test\nSubject: x\nContent-Type: multipart/report; report-type=delivery-status; boundary=b",
        "--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--",
    )
    assert v is not None and v[1].startswith("bounce")


def test_mailer_daemon_with_null_return_path() -> None:
    v = verdict("From: MAILER-DAEMON@mx.test\nReturn-Path: <>\nSubject: Undeliverable: Question")
    assert v is not None and v[1].startswith("bounce")


def test_list_mail() -> None:
    assert verdict(f"{BASE}\nList-Id: <x.lists.test>")[1].startswith("mailing list")  # type: ignore[index]


def test_loop_from_our_own_address() -> None:
    assert verdict("From: consult@caseconsultant.localhost\nSubject: Re: x")[1].startswith("loop")  # type: ignore[index]


def test_x_loop() -> None:
    assert verdict(f"{BASE}\nX-Loop: consult@caseconsultant.localhost")[1].startswith("loop")  # type: ignore[index]


def test_no_from_is_quarantined() -> None:
    assert verdict("Subject: x")[0] == "quarantined"  # type: ignore[index]


def test_oversize_is_quarantined() -> None:
    assert verdict(BASE, "x" * 20_000)[1].startswith("oversize")  # type: ignore[index]


def test_empty_mail_is_quarantined() -> None:
    assert verdict("From: pat@example.test", "")[1].startswith("malformed: no readable")  # type: ignore[index]
