"""The monthly reset lives with the quota arithmetic; re-exported here for the worker's import."""

from consultant.quota.periods import current_period_start, reset_monthly_periods

__all__ = ["current_period_start", "reset_monthly_periods"]
