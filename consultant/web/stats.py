"""Numbers for the dashboard: queue depth at the end of each day and turnaround per day (median, p90)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from consultant.models import Draft, InboundMessage, OutboundMessage

ANSWERED = ("approved", "sent", "info_requested")


@dataclass(frozen=True)
class DayStats:
    day: date
    depth: int  # drafts waiting at the end of the day
    answered: int
    median_hours: float | None
    p90_hours: float | None


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(q * 100) * len(ordered) // 100))
    return ordered[min(rank, len(ordered)) - 1]


def daily_stats(session: Session, now: datetime, days: int = 14) -> list[DayStats]:
    first = (now - timedelta(days=days - 1)).date()
    window_start = datetime.combine(first, datetime.min.time())
    # Every draft open at some moment of the window: still open, or decided within it. One indexed read;
    # the per-day arithmetic happens here rather than in one counting query per day.
    rows = session.execute(
        select(Draft.created_at, Draft.decided_at, Draft.state).where(
            Draft.created_at < now, or_(Draft.decided_at.is_(None), Draft.decided_at >= window_start)
        )
    ).all()
    by_day: dict[date, list[float]] = {}
    for created, done, state in rows:
        if done is not None and state in ANSWERED:
            by_day.setdefault(done.date(), []).append((done - created).total_seconds() / 3600)
    out: list[DayStats] = []
    for i in range(days):
        day = first + timedelta(days=i)
        end = min(datetime.combine(day + timedelta(days=1), datetime.min.time()), now)
        depth = sum(1 for created, done, _ in rows if created < end and (done is None or done >= end))
        hours = by_day.get(day, [])
        out.append(DayStats(day, depth, len(hours), percentile(hours, 0.5), percentile(hours, 0.9)))
    return out


@dataclass(frozen=True)
class Totals:
    waiting: int
    overdue: int
    quarantined: int
    undeliverable: int


def totals(session: Session, now: datetime, sla: timedelta) -> Totals:
    def count(stmt: object) -> int:
        return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]

    return Totals(
        waiting=count(select(func.count()).select_from(Draft).where(Draft.state == "pending")),
        overdue=count(
            select(func.count())
            .select_from(Draft)
            .where(Draft.state == "pending", Draft.created_at < now - sla)
        ),
        quarantined=count(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.state == "quarantined")
        ),
        undeliverable=count(
            select(func.count()).select_from(OutboundMessage).where(OutboundMessage.state == "dead")
        ),
    )
