"""Server-side SVG charts and the numbers behind them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from consultant.web.charts import Series, line_chart
from consultant.web.stats import percentile

SVG = "{http://www.w3.org/2000/svg}"


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert percentile(values, 0.5) == 5.0
    assert percentile(values, 0.9) == 9.0
    assert percentile(list(reversed(values)), 0.9) == 9.0


def test_line_chart_draws_one_point_per_value_and_breaks_at_gaps() -> None:
    days = [date(2026, 11, 1) + timedelta(days=i) for i in range(5)]
    svg = line_chart(days, [Series("median", "#123456", [1.0, 2.0, None, 4.0, 5.0])], title="T <&>")
    root = ET.fromstring(str(svg))
    lines = root.findall(f"{SVG}polyline")
    assert [len(p.get("points", "").split()) for p in lines] == [2, 2]  # the None splits the line
    assert len(root.findall(f"{SVG}circle")) == 4
    assert root.get("aria-label") == "T <&>"  # escaped in the markup, intact once parsed


def test_higher_values_are_drawn_higher() -> None:
    days = [date(2026, 11, 1), date(2026, 11, 2)]
    root = ET.fromstring(str(line_chart(days, [Series("s", "#000", [10.0, 30.0])])))
    (first, second) = [p.split(",") for p in root.find(f"{SVG}polyline").get("points", "").split()]  # type: ignore[union-attr]
    assert float(second[1]) < float(first[1])  # SVG y grows downwards
    assert float(second[0]) > float(first[0])


def test_an_empty_chart_still_renders() -> None:
    root = ET.fromstring(str(line_chart([date(2026, 11, 1)], [Series("s", "#000", [None])])))
    assert root.findall(f"{SVG}polyline") == []
