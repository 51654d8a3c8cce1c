"""Small server-rendered SVG charts (no script, no CDN): a line chart of one or more series over days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: list[float | None]  # one per day; None leaves a gap


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000):
        if value <= step * 4:
            return float(step * 4) if value > step * 2 else float(step * 2) if value > step else float(step)
    return float(value)


def line_chart(
    days: list[date],
    series: list[Series],
    *,
    unit: str = "",
    width: int = 560,
    height: int = 220,
    title: str = "",
) -> Markup:
    left, right, top, bottom = 44, 24, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values if v is not None), default=0.0)
    ymax = _nice_max(peak)
    n = max(1, len(days) - 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / ymax)

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg">'
    ]
    for k in range(5):
        v = ymax * k / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}"/>')
        label = f"{v:,.0f}" if ymax >= 4 else f"{v:g}"
        parts.append(
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{escape(label)}{escape(unit)}</text>'
        )
    step = max(1, -(-len(days) // 7))
    # Label every `step`-th day counting back from the last, so the newest day always has its label.
    for i in range(len(days) - 1, -1, -step):
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">{days[i]:%d %b}</text>')
    for s in series:
        segment: list[str] = []
        paths: list[list[str]] = []
        for i, value in enumerate(s.values):
            if value is None:
                if segment:
                    paths.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(value):.1f}")
        if segment:
            paths.append(segment)
        for seg in paths:
            parts.append(
                f'<polyline fill="none" stroke="{escape(s.colour)}" stroke-width="2" points="{" ".join(seg)}"/>'
            )
            for point in seg:
                px, py = point.split(",")
                parts.append(f'<circle cx="{px}" cy="{py}" r="2.5" fill="{escape(s.colour)}"/>')
    parts.append(
        f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
