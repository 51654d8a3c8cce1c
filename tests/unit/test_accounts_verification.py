"""sender_verdict: DMARC pass from a trusted server verifies the From address, nothing else does."""

from __future__ import annotations

from email import message_from_bytes

import pytest

from consultant.accounts.verification import sender_verdict

TRUSTED = ("mx.ours.example",)


def ar(value: str) -> tuple[str, str]:
    return ("Authentication-Results", value)


def test_dmarc_pass_for_the_from_domain_verifies() -> None:
    v = sender_verdict(
        [
            ar(
                "mx.ours.example; spf=pass smtp.mailfrom=ann@clinic.example;"
                " dmarc=pass header.from=clinic.example"
            )
        ],
        "Ann <ann@Clinic.Example>",
        TRUSTED,
    )
    assert v.verified, v.reason
    assert v.authserv_id == "mx.ours.example"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ([ar("mx.ours.example; dmarc=fail (p=reject) header.from=clinic.example")], "DMARC fail"),
        ([ar("mx.ours.example; dmarc=none header.from=clinic.example")], "DMARC none"),
        ([ar("mx.ours.example; dmarc=pass header.from=evil.example")], "not clinic.example"),
        ([ar("mx.ours.example; spf=pass smtp.mailfrom=clinic.example")], "no DMARC result"),
        ([ar("mx.ours.example; dmarc=pass")], "does not name"),
        # the sender wrote a header pretending to be someone else's server
        (
            [ar("mx.theirs.example; dmarc=pass header.from=clinic.example")],
            "no Authentication-Results header from",
        ),
        ([], "no Authentication-Results header"),
        ([ar("this is ;; not = a header")], "no Authentication-Results header from"),
    ],
)
def test_anything_but_a_trusted_pass_is_unverified(headers: list[tuple[str, str]], why: str) -> None:
    v = sender_verdict(headers, "ann@clinic.example", TRUSTED)
    assert not v.verified
    assert why in v.reason


def test_the_topmost_trusted_header_wins_over_a_forged_one_below() -> None:
    raw = (
        b"Authentication-Results: mx.ours.example; dmarc=fail header.from=clinic.example\r\n"
        b"Authentication-Results: mx.ours.example; dmarc=pass header.from=clinic.example\r\n"
        b"From: ann@clinic.example\r\nSubject: hi\r\n\r\nbody\r\n"
    )
    assert not sender_verdict(message_from_bytes(raw), "ann@clinic.example", TRUSTED).verified
    upright = raw.replace(b"fail", b"XXXX").replace(b"=pass", b"=fail").replace(b"XXXX", b"pass")
    assert sender_verdict(message_from_bytes(upright), "ann@clinic.example", TRUSTED).verified


def test_untrusted_headers_above_are_skipped_and_mapping_input_works() -> None:
    headers = [
        ar("relay.elsewhere.example; dmarc=fail header.from=clinic.example"),
        ar("MX.Ours.Example; dmarc=pass header.from=clinic.example"),
    ]
    assert sender_verdict(headers, "ann@clinic.example", TRUSTED).verified
    assert sender_verdict(dict([headers[1]]), "ann@clinic.example", TRUSTED).verified


def test_no_configured_server_or_bad_from_is_unverified() -> None:
    headers = [ar("mx.ours.example; dmarc=pass header.from=clinic.example")]
    assert not sender_verdict(headers, "ann@clinic.example", ()).verified
    assert not sender_verdict(headers, "not an address", TRUSTED).verified
