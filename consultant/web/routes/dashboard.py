"""The dashboard: queue depth over time and turnaround per day, as server-rendered SVG."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from consultant.web.charts import Series, line_chart
from consultant.web.deps import DB, Core, CurrentCoder
from consultant.web.stats import daily_stats, totals

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard(request: Request, session: DB, core: Core, coder: CurrentCoder) -> Response:
    now = core.clock()
    sla = timedelta(hours=core.settings.draft_service_level_hours)
    days = daily_stats(session, now, 14)
    dates = [d.day for d in days]
    depth_chart = line_chart(
        dates,
        [Series("Waiting", "#1f5f8b", [float(d.depth) for d in days])],
        title="Questions waiting at the end of each day",
    )
    turnaround_chart = line_chart(
        dates,
        [
            Series("Median", "#1f5f8b", [d.median_hours for d in days]),
            Series("90th percentile", "#c27c0e", [d.p90_hours for d in days]),
        ],
        unit=" h",
        title="Hours from question to answer, per day",
    )
    return request.app.state.templates.TemplateResponse(
        request,
        "dashboard.html",
        {
            "coder": coder,
            "nav": "dashboard",
            "days": days,
            "totals": totals(session, now, sla),
            "depth_chart": depth_chart,
            "turnaround_chart": turnaround_chart,
            "sla_hours": core.settings.draft_service_level_hours,
            "answered": sum(d.answered for d in days),
        },
    )
