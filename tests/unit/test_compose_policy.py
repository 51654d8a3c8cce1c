"""compose() builds headers with cached header classes (for speed): the bytes must be exactly those the
standard SMTP policy gives, for plain, non-ASCII, long and threaded messages."""

from __future__ import annotations

import re
from datetime import datetime
from email import message_from_bytes
from email.policy import SMTP

import pytest

from consultant.outbound import compose as compose_module
from consultant.outbound.compose import compose

CASES = [
    dict(
        from_name="CaseConsultant",
        subject="We received your question [CC-7K2F9]",
        text="Hello\n",
        html="<p>Hi</p>",
    ),
    dict(
        from_name="Zoë's Coding Désk",
        subject="Réponse: " + "très long sujet " * 12 + "[CC-AB12C]",
        text="Ünïcödé body\n" + "x" * 1200 + "\n",
        html="<p>" + "é" * 300 + "</p>",
    ),
    dict(from_name="A, B (coders)", subject="=?utf-8?q?looks_encoded?=", text="line\r\n.\r\nend", html=""),
]


def _fixed_boundary(raw: bytes) -> bytes:
    """The multipart boundary is random per message: name it the same in both before comparing."""
    found = re.search(rb'boundary="([^"]+)"', raw)
    assert found is not None
    return raw.replace(found.group(1), b"BOUNDARY")


@pytest.mark.parametrize("case", CASES)
def test_compose_bytes_match_the_standard_policy(
    case: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    common = dict(
        from_address="consult@caseconsultant.localhost",
        to_address="Biller <user1@practice3.test>",
        message_id="<notice-acknowledgement-0123456789ab-20261125120000@caseconsultant.localhost>",
        when=datetime(2026, 11, 25, 12, 0, 0),
        in_reply_to="<question-1@bench.test>",
        references=["<a@x.test>", "<question-1@bench.test>", "<a@x.test>"],
        extra_headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
    )
    fast = compose(**common, **case).as_bytes(policy=SMTP)  # type: ignore[arg-type]
    monkeypatch.setattr(compose_module, "COMPOSE_POLICY", SMTP)
    standard = compose(**common, **case).as_bytes(policy=SMTP)  # type: ignore[arg-type]
    assert _fixed_boundary(fast) == _fixed_boundary(standard)
    assert message_from_bytes(fast)["Subject"] is not None


def test_cached_header_classes_keep_each_header_kind_apart() -> None:
    msg = compose(
        from_name="CaseConsultant",
        from_address="consult@caseconsultant.localhost",
        to_address="user1@practice3.test",
        subject="Subject",
        text="t",
        html="<p>h</p>",
        message_id="<m@x.test>",
        when=datetime(2026, 11, 25, 12, 0, 0),
    )
    assert msg["From"].addresses[0].domain == "caseconsultant.localhost"  # an address header
    assert msg["Date"].datetime.year == 2026  # a date header
    assert type(msg["From"]) is not type(msg["Date"])
