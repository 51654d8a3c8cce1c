"""Quota arithmetic: plain functions over values, no database."""

from __future__ import annotations

from dataclasses import dataclass

from consultant.quota.plans import Plan


@dataclass(frozen=True)
class Balance:
    allowance: int
    charged: int
    reserved: int

    @property
    def used(self) -> int:
        return self.charged + self.reserved

    @property
    def remaining(self) -> int:
        return max(0, self.allowance - self.used)


@dataclass(frozen=True)
class Allocation:
    """Which code pages a draft may show: `shown` (already paid for or newly reserved) and `withheld`."""

    shown: tuple[str, ...]
    reserve: tuple[str, ...]  # the subset of `shown` that costs a view now
    withheld: tuple[str, ...]
    remaining_after: int


def allowance(plan: Plan) -> int:
    return plan.monthly_views if plan.monthly_views is not None else (plan.lifetime_views or 0)


def allocate(code_pages: list[str], already_seen: set[str], balance: Balance) -> Allocation:
    """Give views in the order the codes were asked about; a page already seen costs nothing."""
    shown: list[str] = []
    reserve: list[str] = []
    withheld: list[str] = []
    left = balance.remaining
    for page in dict.fromkeys(code_pages):  # de-duplicate, keep order
        if page in already_seen:
            shown.append(page)
        elif left > 0:
            shown.append(page)
            reserve.append(page)
            left -= 1
        else:
            withheld.append(page)
    return Allocation(tuple(shown), tuple(reserve), tuple(withheld), left)
