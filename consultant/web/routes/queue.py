"""The review queue page."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from consultant.web.csrf import verify_csrf
from consultant.web.deps import DB, Core, CurrentCoder
from consultant.web.queue import AGES, SORTS, load_queue, parse_filter

router = APIRouter(dependencies=[Depends(verify_csrf)], include_in_schema=False)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, session: DB, core: Core, coder: CurrentCoder) -> Response:
    f = parse_filter(request.query_params)
    now = core.clock()
    sla = timedelta(hours=core.settings.draft_service_level_hours)
    page = load_queue(session, f, coder.id, now, sla, request.app.state.counts)
    plans = core.plans.plans
    return request.app.state.templates.TemplateResponse(
        request,
        "queue.html",
        {
            "coder": coder,
            "page": page,
            "f": f,
            "now": now,
            "plans": plans,
            "ages": AGES,
            "sorts": SORTS,
            "sla_hours": core.settings.draft_service_level_hours,
            "nav": "queue",
        },
    )
