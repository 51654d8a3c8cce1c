"""Sending a notice: ask `notices.may_send_notice`, then render it and put it in the outbox, in the
caller's transaction. The outbox itself is the rate-limit memory: a notice's Message-ID names its
kind and (a hash of) its recipient, so "when did this kind last go to this address?" is one query."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from consultant.accounts.addresses import normalize_address
from consultant.accounts.headers import Headers
from consultant.accounts.notices import (
    RATE_INTERVAL,
    NoticeDecision,
    NoticeView,
    may_send_notice,
    notice_kind_after_draft,
    notice_message,
)
from consultant.accounts.registration import DEFAULT_MAX_AGE, registration_url
from consultant.models import OutboundMessage
from consultant.outbound.outbox import enqueue
from consultant.settings import Settings

log = logging.getLogger(__name__)

NOTICE = "notice"  # OutboundMessage.kind: the flush never charges quota for these


@dataclass(frozen=True)
class NoticeOutcome:
    decision: NoticeDecision
    message: OutboundMessage | None = None


# Built once (building a statement costs more than running it). The prefix is escaped as
# `startswith(..., autoescape=True)` would: "%", "_" and the escape character itself.
_LAST_NOTICE = select(func.max(OutboundMessage.created_at)).where(
    OutboundMessage.kind == NOTICE,
    OutboundMessage.to_address == bindparam("to_address"),
    OutboundMessage.message_id.like(bindparam("pattern"), escape="/"),
)


def _like_prefix(prefix: str) -> str:
    return prefix.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def last_notice_at(session: Session, kind: str, to_address: str) -> datetime | None:
    addr = normalize_address(to_address)
    who = hashlib.sha256(addr.encode()).hexdigest()[:12]
    last: datetime | None = session.scalar(
        _LAST_NOTICE, {"to_address": addr, "pattern": _like_prefix(f"<notice-{kind}-{who}-")}
    )
    return last


def links_for(settings: Settings, plan: str, address: str) -> tuple[str | None, str | None]:
    """(registration_url, upgrade_url): a guest is offered registration, anyone else the plans page."""
    if plan == "guest":
        return registration_url(settings.public_url, settings.secret_key, address), None
    return None, f"{settings.public_url}/plans"


def send_notice(
    session: Session,
    settings: Settings,
    view: NoticeView,
    *,
    prompt_headers: Headers,
    now: datetime,
    in_reply_to: str | None = None,
    consultation_id: int | None = None,
    interval: timedelta = RATE_INTERVAL,
) -> NoticeOutcome:
    """Queue `view` for its recipient unless the prompting mail was automatic or the same kind of
    notice went to the same address within `interval`. Does not commit."""
    addr = normalize_address(view.to_address)
    decision = may_send_notice(
        prompt_headers,
        addr,
        service_address=settings.service_address,
        last_sent_at=last_notice_at(session, view.kind, addr),
        now=now,
        interval=interval,
    )
    if not decision.allowed:
        log.info("notice %s to account address withheld: %s", view.kind, decision.reason)
        return NoticeOutcome(decision)
    view = replace(view, to_address=addr, link_valid_days=DEFAULT_MAX_AGE.days)
    message = notice_message(view, service_address=settings.service_address, now=now, in_reply_to=in_reply_to)
    row = enqueue(
        session, kind=NOTICE, to_address=addr, message=message, now=now, consultation_id=consultation_id
    )
    return NoticeOutcome(decision, row)


def notify_after_draft(
    session: Session,
    settings: Settings,
    *,
    plan: str,
    plan_title: str,
    to_address: str,
    prompt_headers: Headers,
    withheld: tuple[str, ...],
    remaining: int,
    new_consultation: bool,
    unverified: bool,
    token: str | None,
    now: datetime,
    in_reply_to: str | None = None,
    consultation_id: int | None = None,
) -> NoticeOutcome | None:
    """For the intake pipeline, after it made a draft: the over-quota notice when codes were withheld,
    else an acknowledgement for a new consultation; guests get the registration link in either.
    `withheld` holds codes as the user wrote them (not "system:code" pages). Returns None when the
    situation calls for no notice. Does not commit."""
    kind = notice_kind_after_draft(
        withheld=bool(withheld), new_consultation=new_consultation, unverified=unverified
    )
    if kind is None:
        return None
    register_at, upgrade_at = links_for(settings, plan, to_address)
    view = NoticeView(
        kind=kind,
        to_address=to_address,
        service_name=settings.service_name,
        token=token,
        plan_title=plan_title,
        remaining=remaining,
        withheld=withheld,
        registration_url=register_at,
        upgrade_url=upgrade_at,
    )
    return send_notice(
        session,
        settings,
        view,
        prompt_headers=prompt_headers,
        now=now,
        in_reply_to=in_reply_to,
        consultation_id=consultation_id,
    )
