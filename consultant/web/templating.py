"""Jinja2 for the pages: autoescaped, StrictUndefined, with a few filters for times and states."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from consultant.web.csrf import FIELD, csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "web"

STATE_LABELS = {
    "pending": "Waiting",
    "approved": "Approved",
    "sent": "Sent",
    "rejected": "Rejected",
    "info_requested": "Info requested",
    "expired": "Expired",
}


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """'4 min', '3 h', '2 d': compact ages for the queue."""
    if value is None:
        return ""
    from consultant.db.base import utcnow

    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def csrf_input(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, csrf_token(request))


_BADGES = {
    state: Markup('<span class="badge state-{}">{}</span>').format(state, label)
    for state, label in STATE_LABELS.items()
}


def state_badge(state: str) -> Markup:
    badge = _BADGES.get(state)
    if badge is None:
        badge = Markup('<span class="badge">{}</span>').format(state)
    return badge


def make_templates(extra_globals: dict[str, Any] | None = None) -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the package: no stat() of every template file on every page.
        auto_reload=False,
    )
    env.filters.update(ago=ago, when=when, state_badge=state_badge)
    env.globals.update(csrf_input=csrf_input, csrf_token=csrf_token, STATE_LABELS=STATE_LABELS)
    env.globals.update(extra_globals or {})
    return Jinja2Templates(env=env)
