"""Typed SQLAlchemy models, one file per aggregate. Importing this package registers every table."""

from consultant.models.account import Account, AccountAddress
from consultant.models.audit import AuditEvent
from consultant.models.coder import Coder
from consultant.models.codes import Code, CodeRelease, Mue, NcciEdit, PlainDescription
from consultant.models.consultation import Consultation, Question
from consultant.models.draft import Draft
from consultant.models.imap import ImapMailbox, ImapSeen
from consultant.models.inbound import InboundMessage
from consultant.models.outbound import OutboundMessage
from consultant.models.quota import QuotaEntry

__all__ = [
    "Account",
    "AccountAddress",
    "AuditEvent",
    "Code",
    "CodeRelease",
    "Coder",
    "Consultation",
    "Draft",
    "ImapMailbox",
    "ImapSeen",
    "InboundMessage",
    "Mue",
    "NcciEdit",
    "OutboundMessage",
    "PlainDescription",
    "Question",
    "QuotaEntry",
]
