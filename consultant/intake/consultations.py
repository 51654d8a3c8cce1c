"""Finding the consultation a message continues, or opening a new one (database edge)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from consultant.intake.mail import ParsedMail
from consultant.intake.thread import base_subject, new_token, subject_token
from consultant.models import Account, Consultation, OutboundMessage, Question


def find_consultation(session: Session, mail: ParsedMail, account: Account) -> Consultation | None:
    """In-Reply-To/References first (our replies' Message-IDs, then earlier questions), then the token.

    Only a consultation of the same account is continued: a token or a Message-ID alone never lets a
    stranger into someone else's consultation.
    """
    ids = [*mail.in_reply_to, *reversed(mail.references)]
    if ids:
        found = (
            session.scalars(
                select(Consultation)
                .join(OutboundMessage, OutboundMessage.consultation_id == Consultation.id)
                .where(OutboundMessage.message_id.in_(ids), Consultation.account_id == account.id)
            ).first()
            or session.scalars(
                select(Consultation)
                .join(Question)
                .where(Question.message_id.in_(ids), Consultation.account_id == account.id)
            ).first()
        )
        if found is not None:
            return found
    token = subject_token(mail.subject)
    if token:
        return session.scalars(
            select(Consultation).where(Consultation.token == token, Consultation.account_id == account.id)
        ).first()
    return None


_TOKEN_TAKEN = select(Consultation.id).where(Consultation.token == bindparam("token"))  # built once


def open_consultation(session: Session, mail: ParsedMail, account: Account, now: datetime) -> Consultation:
    while True:
        token = new_token()
        if session.scalars(_TOKEN_TAKEN, {"token": token}).first() is None:
            break
    consultation = Consultation(
        token=token,
        account_id=account.id,
        subject=base_subject(mail.subject)[:500],
        root_message_id=mail.message_id,
        created_at=now,
        updated_at=now,
    )
    session.add(consultation)
    session.flush()
    return consultation
