"""Automated notices (acknowledgement, over-quota, registration link): whether one may be sent, and
what it says. Pure: the caller supplies the headers of the mail that prompted it and when the last
notice of the same kind went to the same address.

RFC 3834: never answer automatic mail (Auto-Submitted other than "no", bounces, mailing lists, other
robots), never answer more often than once per period per sender, and mark our own notices with
`Auto-Submitted: auto-replied` so well-behaved robots do not answer us either.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from consultant.accounts.addresses import AddressError, normalize_address
from consultant.accounts.headers import Headers, header_names, header_values
from consultant.outbound.compose import compose, domain_of
from consultant.rendering import render

NOTICE_KINDS = ("acknowledgement", "over_quota", "registration")
RATE_INTERVAL = timedelta(hours=24)
NOTICE_HEADERS = (("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All"))

LIST_HEADERS = frozenset(
    {"list-id", "list-unsubscribe", "list-post", "list-help", "list-owner", "mailing-list"}
)
ROBOT_HEADERS = frozenset({"x-autoreply", "x-autorespond", "x-auto-reply", "x-mailer-daemon"})
ROBOT_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|listserv|majordomo|owner-.*|.*-request"
    r"|.*-bounces?(\+.*)?|notifications?)$"
)


@dataclass(frozen=True)
class NoticeDecision:
    allowed: bool
    reason: str


def _refuse(reason: str) -> NoticeDecision:
    return NoticeDecision(False, reason)


def automatic_reason(headers: Headers, from_address: str) -> str | None:
    """Why the prompting mail is not from a person we may answer automatically, or None."""
    for value in header_values(headers, "auto-submitted"):
        if value.split(";")[0].strip().lower() != "no":
            return f"Auto-Submitted: {value.strip()}"
    for value in header_values(headers, "precedence"):
        if value.strip().lower() in {"bulk", "junk", "list", "auto_reply"}:
            return f"Precedence: {value.strip()}"
    for value in header_values(headers, "x-auto-response-suppress"):
        if {"all", "autoreply", "oof"} & {v.strip().lower() for v in value.split(",")}:
            return f"X-Auto-Response-Suppress: {value.strip()}"
    names = header_names(headers)
    if found := sorted(names & LIST_HEADERS):
        return f"mailing list ({found[0]})"
    if found := sorted(names & ROBOT_HEADERS):
        return f"automatic sender ({found[0]})"
    for value in header_values(headers, "return-path"):
        if value.strip() in {"<>", ""}:
            return "a bounce (empty Return-Path)"
    for value in header_values(headers, "content-type"):
        if "multipart/report" in value.lower():
            return "a delivery or read report"
    try:
        local = normalize_address(from_address).partition("@")[0]
    except AddressError:
        return f"no usable From address ({from_address!r})"
    if ROBOT_LOCAL.match(local):
        return f"automatic sender ({local}@)"
    return None


def may_send_notice(
    headers: Headers,
    from_address: str,
    *,
    service_address: str,
    last_sent_at: datetime | None,
    now: datetime,
    interval: timedelta = RATE_INTERVAL,
) -> NoticeDecision:
    """May we send a notice of some kind to `from_address`, prompted by mail with `headers`?
    `last_sent_at` is when the last notice of the same kind went to that address (None: never)."""
    reason = automatic_reason(headers, from_address)
    if reason is not None:
        return _refuse(f"not to automatic mail: {reason}")
    if normalize_address(from_address) == normalize_address(service_address):
        return _refuse("not to ourselves (a loop)")
    if last_sent_at is not None and now - last_sent_at < interval:
        return _refuse(f"rate-limited: one per {interval} per sender, last at {last_sent_at:%Y-%m-%d %H:%M}")
    return NoticeDecision(True, "ok")


@dataclass(frozen=True)
class NoticeView:
    """Everything a notice template may use. Missing values are None, never absent (StrictUndefined)."""

    kind: str
    to_address: str
    service_name: str
    token: str | None = None  # the consultation's subject token, so replies thread
    plan_title: str = ""
    remaining: int = 0
    withheld: tuple[str, ...] = ()  # codes whose descriptions were not attached
    registration_url: str | None = None
    upgrade_url: str | None = None
    link_valid_days: int = 14


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    text: str
    html: str


def notice_subject(view: NoticeView) -> str:
    base = {
        "acknowledgement": "We received your question",
        "over_quota": "Your code page views are used up",
        "registration": f"Your free {view.service_name} account: one click to register",
    }[view.kind]
    return f"{base} [{view.token}]" if view.token else base


def render_notice(view: NoticeView) -> RenderedNotice:
    if view.kind not in NOTICE_KINDS:
        raise ValueError(f"unknown notice kind {view.kind!r}; known: {', '.join(NOTICE_KINDS)}")
    if view.kind == "registration" and not view.registration_url:
        raise ValueError("a registration notice needs its registration_url")
    return RenderedNotice(
        subject=notice_subject(view),
        text=render(f"notices/{view.kind}.txt", n=view),
        html=render(f"notices/{view.kind}.html", n=view),
    )


def notice_message_id(kind: str, to_address: str, now: datetime, service_address: str) -> str:
    """Names the kind, so the outbox can answer "when did this kind last go to this address?"."""
    who = hashlib.sha256(normalize_address(to_address).encode()).hexdigest()[:12]
    return f"<notice-{kind}-{who}-{now:%Y%m%d%H%M%S}@{domain_of(service_address)}>"


def notice_message(
    view: NoticeView,
    *,
    service_address: str,
    now: datetime,
    in_reply_to: str | None = None,
) -> EmailMessage:
    rendered = render_notice(view)
    return compose(
        from_name=view.service_name,
        from_address=service_address,
        to_address=view.to_address,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        message_id=notice_message_id(view.kind, view.to_address, now, service_address),
        when=now,
        in_reply_to=in_reply_to,
        references=[in_reply_to] if in_reply_to else [],
        extra_headers=NOTICE_HEADERS,
    )


def notice_kind_after_draft(*, withheld: bool, new_consultation: bool, unverified: bool) -> str | None:
    """Which notice, if any, a freshly drafted question earns. Never one to an unverified sender:
    the From address may be forged, and the notice would land on the real owner (backscatter)."""
    if unverified:
        return None
    if withheld:
        return "over_quota"
    if new_consultation:
        return "acknowledgement"
    return None
