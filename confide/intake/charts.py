"""Server-rendered progress chart geometry (the SVG itself is a template; no JavaScript).

Pure: takes (time, total) points and the measure's definition, returns the
coordinates the template draws — severity bands as shaded rows, the line,
and a ring on every point that differs reliably from the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 36
BAND_FILLS = {
    "minimal": "#e6f4ea",
    "mild": "#f3f7d9",
    "moderate": "#fff4d6",
    "moderately_severe": "#fde3cf",
    "severe": "#fde8e8",
}


@dataclass(frozen=True)
class Band:
    y: float
    height: float
    fill: str
    label: str
    label_y: float


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    total: int
    when: datetime
    band_label: str
    change: int | None  # since baseline; None for the baseline itself
    reliable: bool


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bands: list[Band]
    points: list[Point]
    polyline: str
    ticks: list[tuple[float, int]]  # (y, value) for the axis
    x_labels: list[tuple[float, str]]
    plot_left: int
    plot_right: int
    plot_bottom: int

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left


def progress_chart(definition: dict[str, Any], series: list[tuple[datetime, int]]) -> Chart:
    max_total = definition["max_total"]
    threshold = definition["reliable_change"]

    def y_of(value: float) -> float:
        return round(TOP + (HEIGHT - TOP - BOTTOM) * (1 - value / max_total), 1)

    bands = [
        Band(
            y=y_of(b["max"] + (0.5 if b["max"] < max_total else 0)),
            height=round(y_of(max(b["min"] - 0.5, 0)) - y_of(b["max"] + (0.5 if b["max"] < max_total else 0)), 1),
            fill=BAND_FILLS.get(b["key"], "#f4f4f4"),
            label=b["label"],
            label_y=round((y_of(b["min"]) + y_of(b["max"])) / 2 + 4, 1),
        )
        for b in definition["bands"]
    ]
    xs = _x_positions([when for when, _ in series])
    baseline = series[0][1] if series else None
    points = []
    for index, ((when, total), x) in enumerate(zip(series, xs, strict=True)):
        change = None if index == 0 or baseline is None else total - baseline
        band = next(b["label"] for b in definition["bands"] if b["min"] <= total <= b["max"])
        points.append(Point(x, y_of(total), total, when, band, change, change is not None and abs(change) >= threshold))
    ticks = [(y_of(v), v) for v in sorted({0, max_total, *(b["min"] for b in definition["bands"])})]
    x_labels = [(p.x, f"{p.when:%-d %b}") for p in points] if len(points) <= 8 else []
    return Chart(
        WIDTH,
        HEIGHT,
        bands,
        points,
        " ".join(f"{p.x},{p.y}" for p in points),
        ticks,
        x_labels,
        LEFT,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM,
    )


def _x_positions(times: list[datetime]) -> list[float]:
    left, right = LEFT + 16, WIDTH - RIGHT - 16
    if not times:
        return []
    if len(times) == 1 or times[-1] == times[0]:
        return [round((left + right) / 2, 1)] * len(times) if len(times) == 1 else _even(len(times), left, right)
    span = (times[-1] - times[0]).total_seconds()
    return [round(left + (right - left) * (t - times[0]).total_seconds() / span, 1) for t in times]


def _even(n: int, left: float, right: float) -> list[float]:
    return [round(left + (right - left) * i / (n - 1), 1) for i in range(n)]
