"""Notices: never to robots, lists or bounces; once a day per kind per sender; rendered safely."""

from __future__ import annotations

from datetime import datetime, timedelta
from email import message_from_bytes, policy

import pytest

from consultant.accounts.notices import NoticeView, may_send_notice, notice_message, render_notice

NOW = datetime(2026, 3, 10, 12, 0)
SERVICE = "consult@cc.example"


def decide(
    headers: list[tuple[str, str]], sender: str = "ann@example.org", last: datetime | None = None
) -> str:
    d = may_send_notice(headers, sender, service_address=SERVICE, last_sent_at=last, now=NOW)
    return "ok" if d.allowed else d.reason


def test_a_person_gets_a_notice() -> None:
    assert decide([("From", "ann@example.org"), ("Auto-Submitted", "no")]) == "ok"


@pytest.mark.parametrize(
    ("headers", "sender", "why"),
    [
        ([("Auto-Submitted", "auto-replied")], "ann@example.org", "Auto-Submitted"),
        ([("Auto-Submitted", "auto-generated; owner-email=x@y")], "ann@example.org", "Auto-Submitted"),
        ([("Precedence", "bulk")], "ann@example.org", "Precedence"),
        ([("List-Id", "<coders.lists.example>")], "ann@example.org", "mailing list"),
        ([("List-Unsubscribe", "<mailto:u@x>")], "ann@example.org", "mailing list"),
        ([("X-Auto-Response-Suppress", "OOF, AutoReply")], "ann@example.org", "X-Auto-Response-Suppress"),
        ([("Return-Path", "<>")], "ann@example.org", "bounce"),
        ([("Content-Type", "multipart/report; report-type=delivery-status")], "ann@example.org", "report"),
        ([], "MAILER-DAEMON@mx.example.org", "automatic sender"),
        ([], "no-reply@example.org", "automatic sender"),
        ([], "coders-request@lists.example", "automatic sender"),
        ([], "Consult@CC.example", "loop"),
    ],
)
def test_robots_lists_bounces_and_loops_get_nothing(
    headers: list[tuple[str, str]], sender: str, why: str
) -> None:
    assert why in decide(headers, sender)


def test_rate_limit_is_per_interval() -> None:
    assert "rate-limited" in decide([], last=NOW - timedelta(hours=23, minutes=59))
    assert decide([], last=NOW - timedelta(hours=24)) == "ok"


def view(kind: str, **kw: object) -> NoticeView:
    base: dict[str, object] = {
        "kind": kind,
        "to_address": "ann@example.org",
        "service_name": "CaseConsultant",
        "token": "CC-7K2F9",
        "plan_title": "Guest",
        "remaining": 0,
        "withheld": ("N18.31",),
        "registration_url": "https://cc.example/register/abc",
    }
    base.update(kw)
    return NoticeView(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["acknowledgement", "over_quota", "registration"])
def test_every_notice_renders_with_link_and_balance(kind: str) -> None:
    r = render_notice(view(kind))
    assert "https://cc.example/register/abc" in r.text and 'href="https://cc.example/register/abc"' in r.html
    assert "[CC-7K2F9]" in r.subject
    if kind == "over_quota":
        assert "0 code page views remaining" in r.text and "N18.31" in r.text


def test_over_quota_for_a_paying_plan_offers_an_upgrade_not_registration() -> None:
    r = render_notice(view("over_quota", registration_url=None, upgrade_url="https://cc.example/plans"))
    assert "/register/" not in r.text and "https://cc.example/plans" in r.text


def test_html_escapes_values_and_unknown_kinds_are_refused() -> None:
    r = render_notice(view("over_quota", withheld=("<script>x</script>",)))
    assert "<script>" not in r.html and "&lt;script&gt;" in r.html
    with pytest.raises(ValueError, match="unknown notice kind"):
        render_notice(view("welcome"))
    with pytest.raises(ValueError, match="registration_url"):
        render_notice(view("registration", registration_url=None))


def test_the_message_says_it_is_automatic_and_threads() -> None:
    msg = notice_message(
        view("acknowledgement"), service_address=SERVICE, now=NOW, in_reply_to="<q1@example.org>"
    )
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["In-Reply-To"] == "<q1@example.org>" and parsed["To"] == "ann@example.org"
    assert str(parsed["Message-ID"]).strip().startswith("<notice-acknowledgement-")
    assert parsed.get_body(("plain",)) is not None and parsed.get_body(("html",)) is not None


def test_acknowledgement_balance_counts_this_question_and_says_so() -> None:
    # The view reserved for this question is already counted: "0" must not read as "nothing will be shown".
    r = render_notice(view("acknowledgement", withheld=()))
    assert "once this question is answered: 0" in r.text
