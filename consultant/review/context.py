"""What review use cases need from the outside world, passed in rather than looked up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from consultant.quota.plans import Plans
from consultant.settings import Settings

if TYPE_CHECKING:
    from consultant.app import App


@dataclass(frozen=True)
class ReviewContext:
    settings: Settings
    plans: Plans
    clock: Callable[[], datetime]

    def registration_url(self, address: str) -> str:
        from consultant.accounts.registration import make_token

        return f"{self.settings.public_url}/register/{make_token(self.settings.secret_key, address)}"


def review_context(app: App) -> ReviewContext:
    return ReviewContext(settings=app.settings, plans=app.plans, clock=app.clock)
