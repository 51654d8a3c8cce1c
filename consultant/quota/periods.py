"""Monthly plans: the period starts on the day the plan began and moves forward one month at a time."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from consultant.models import Account
from consultant.quota.plans import Plans


def add_months(moment: datetime, months: int) -> datetime:
    """Same day and time `months` later; the 31st becomes the last day of a shorter month."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def current_period_start(period_start: datetime, now: datetime) -> datetime:
    """The latest month boundary counted from `period_start` that is not after `now`."""
    if now < period_start:
        return period_start
    months = (now.year - period_start.year) * 12 + (now.month - period_start.month)
    start = add_months(period_start, months)
    # Whole months from the stored start in one step. The first anchor is not stored, so a period
    # that began on the 31st moves to the 28th in February and stays on the 28th: a known, small drift.
    return start if start <= now else add_months(period_start, months - 1)


def reset_monthly_periods(session: Session, plans: Plans, now: datetime) -> int:
    """Move `period_start` forward for accounts on monthly plans whose month has passed. Returns how
    many accounts got a fresh month. Idempotent; the caller commits. Accounts on unknown plans are
    left alone (an operator error `accounts plan` reports, not something a nightly job should crash on)."""
    monthly = [name for name, plan in plans.plans.items() if plan.monthly]
    if not monthly:
        return 0
    moved = 0
    for account in session.scalars(select(Account).where(Account.plan.in_(monthly)).with_for_update()):
        start = current_period_start(account.period_start, now)
        if start != account.period_start:
            account.period_start = start
            moved += 1
    session.flush()
    return moved
