"""An account's quota as the operator and the reply see it: one value, read from the ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consultant.models import Account, Consultation
from consultant.quota.ledger import balance
from consultant.quota.plans import Plans


@dataclass(frozen=True)
class QuotaReport:
    plan: str
    plan_title: str
    status: str
    views_allowed: int
    views_used: int  # charged + reserved
    views_remaining: int
    reserved: int
    charged: int
    monthly: bool
    period_start: datetime | None  # None: a lifetime plan, counted over the account's whole life
    consultations_this_period: int | None
    consultations_allowed: int | None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["period_start"] = self.period_start.isoformat() if self.period_start else None
        return data


def consultations_this_period(session: Session, account: Account) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Consultation)
            .where(Consultation.account_id == account.id, Consultation.created_at >= account.period_start)
        )
        or 0
    )


def may_open_consultation(session: Session, account: Account, plans: Plans) -> bool:
    """A plan with `monthly_consultations` opens at most that many new consultations a month;
    follow-ups in an open consultation are not counted. Plans without the limit always may."""
    limit = plans.get(account.plan).monthly_consultations
    return limit is None or consultations_this_period(session, account) < limit


def quota_report(session: Session, account: Account, plans: Plans) -> QuotaReport:
    plan = plans.get(account.plan)
    b = balance(session, account, plans)
    consultations = consultations_this_period(session, account) if plan.monthly else None
    return QuotaReport(
        plan=plan.name,
        plan_title=plan.title,
        status=account.status,
        views_allowed=b.allowance,
        views_used=b.used,
        views_remaining=b.remaining if account.status == "active" else 0,
        reserved=b.reserved,
        charged=b.charged,
        monthly=plan.monthly,
        period_start=account.period_start if plan.monthly else None,
        consultations_this_period=consultations,
        consultations_allowed=plan.monthly_consultations,
    )
