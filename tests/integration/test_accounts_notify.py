"""Notices through the outbox to mailboxes/sent: marked automatic, once a day per kind per sender."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy

import pytest

from consultant.accounts.notices import NoticeView
from consultant.accounts.notify import links_for, notify_after_draft, send_notice
from consultant.accounts.registration import read_token
from consultant.app import App
from consultant.mail.maildir import Maildir
from consultant.outbound.flush import flush_outbox
from tests.integration.quota_support import NOW

pytestmark = pytest.mark.integration
HUMAN = [("From", "Ann <ann@example.org>"), ("Subject", "E11.22 and N18.31?")]


def over_quota(app: App, to: str = "Ann@Example.org") -> NoticeView:
    register_at, _ = links_for(app.settings, "guest", to)
    return NoticeView(
        kind="over_quota",
        to_address=to,
        service_name=app.settings.service_name,
        plan_title="Guest",
        withheld=("N18.31",),
        registration_url=register_at,
    )


def test_notice_goes_out_once_per_day_and_is_marked_automatic(app: App) -> None:
    with app.sessions.begin() as s:
        first = send_notice(s, app.settings, over_quota(app), prompt_headers=HUMAN, now=NOW)
        again = send_notice(
            s, app.settings, over_quota(app), prompt_headers=HUMAN, now=NOW + timedelta(hours=2)
        )
        ack = NoticeView(
            kind="acknowledgement", to_address="ann@example.org", service_name="CC", plan_title="Guest"
        )
        other_kind = send_notice(s, app.settings, ack, prompt_headers=HUMAN, now=NOW + timedelta(hours=2))
    assert first.message is not None and again.message is None and "rate-limited" in again.decision.reason
    assert other_kind.message is not None
    with app.sessions.begin() as s:
        later = send_notice(
            s, app.settings, over_quota(app), prompt_headers=HUMAN, now=NOW + timedelta(hours=25)
        )
    assert later.message is not None

    assert flush_outbox(app, NOW + timedelta(hours=26)).sent == 3
    sent = Maildir(app.settings.sent_dir)
    keys = sent.keys()  # a Maildir's file names, not a dict
    mails = [message_from_bytes(sent.read(k), policy=policy.default) for k in keys]
    assert len(mails) == 3
    assert all(m["Auto-Submitted"] == "auto-replied" and m["To"] == "ann@example.org" for m in mails)
    over = next(m for m in mails if "used up" in str(m["Subject"]))
    text = over.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = next(w for w in text.split() if "/register/" in w)
    assert read_token(app.settings.secret_key, link.rsplit("/", 1)[1]) == "ann@example.org"


def test_no_notice_to_automatic_mail(app: App) -> None:
    with app.sessions.begin() as s:
        out = send_notice(
            s,
            app.settings,
            over_quota(app),
            prompt_headers=[*HUMAN, ("Auto-Submitted", "auto-replied")],
            now=NOW,
        )
        bounce = send_notice(
            s, app.settings, over_quota(app, "mailer-daemon@example.org"), prompt_headers=[], now=NOW
        )
    assert out.message is None and "Auto-Submitted" in out.decision.reason
    assert bounce.message is None
    assert flush_outbox(app, NOW).sent == 0


def test_after_draft_over_quota_beats_acknowledgement_and_unverified_gets_nothing(app: App) -> None:
    common = {
        "plan": "guest",
        "plan_title": "Guest",
        "prompt_headers": HUMAN,
        "remaining": 0,
        "token": "CC-AB12C",
    }
    with app.sessions.begin() as s:
        spoofed = notify_after_draft(
            s,
            app.settings,
            to_address="ann@example.org",
            withheld=("N18.31",),
            new_consultation=True,
            unverified=True,
            now=NOW,
            **common,  # type: ignore[arg-type]
        )
        over = notify_after_draft(
            s,
            app.settings,
            to_address="ann@example.org",
            withheld=("N18.31",),
            new_consultation=True,
            unverified=False,
            now=NOW,
            **common,  # type: ignore[arg-type]
        )
        ack = notify_after_draft(
            s,
            app.settings,
            to_address="bo@example.org",
            withheld=(),
            new_consultation=True,
            unverified=False,
            now=NOW,
            **common,  # type: ignore[arg-type]
        )
        follow_up = notify_after_draft(
            s,
            app.settings,
            to_address="cy@example.org",
            withheld=(),
            new_consultation=False,
            unverified=False,
            now=NOW,
            **common,  # type: ignore[arg-type]
        )
    assert spoofed is None and follow_up is None
    assert over is not None and over.message is not None and b"used up" in over.message.raw
    assert ack is not None and ack.message is not None and b"We received your question" in ack.message.raw
    assert b"/register/" in ack.message.raw
