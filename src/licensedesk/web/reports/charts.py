"""The geometry of the reports page's charts: where each bar, point and label goes in an SVG viewBox.

Pure functions of the figures (no Django, no queries). The template draws the shapes with these
coordinates; colours and fonts come from ``reports/reports.css`` by class (the CSP forbids inline styles),
and the viewBox scales the chart to the page's width, so there is no JavaScript and no chart library: a
chart costs a few hundred bytes of markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 480
LABEL_WIDTH = 140  # the row labels of horizontal bars (ten Chinese characters at 13 units)
VALUE_WIDTH = 56  # room after the longest bar for its value
ROW = 30
BAR = 18


@dataclass(frozen=True)
class Series:
    """One series of a chart: its name (legend and table column) and its CSS class (its colour)."""

    name: str
    css: str


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    css: str
    text: str  # the value as shown next to the bar
    text_x: float
    text_y: float


@dataclass(frozen=True)
class HRow:
    label: str
    label_y: float
    bars: tuple[Rect, ...]


@dataclass(frozen=True)
class HBarChart:
    """Horizontal bars, one row per label, one bar per series in a row (grouped)."""

    width: int
    height: int
    rows: tuple[HRow, ...]
    series: tuple[Series, ...]
    axis_x: float


def _scale(values: Sequence[float]) -> float:
    top = max((v for v in values if v is not None), default=0)
    return top if top > 0 else 1


def hbars(
    rows: Sequence[tuple[str, Sequence[float | None], Sequence[str]]], series: Sequence[Series]
) -> HBarChart:
    """``rows``: (label, one value per series, one shown text per series). A value of None draws no
    bar (no figure), 0 a bar of no width with its text."""
    n = len(series)
    per_row = max(ROW, n * (BAR + 4) + 8)
    top = _scale([v for _, values, _ in rows for v in values if v is not None])
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    out = []
    for i, (label, values, texts) in enumerate(rows):
        y0 = i * per_row + 4
        bar_h = BAR if n == 1 else (per_row - 8) / n - 2
        bars = []
        for j, (value, text, s) in enumerate(zip(values, texts, series, strict=True)):
            if value is None:
                continue
            y = y0 + j * (bar_h + 2)
            w = round(span * value / top, 1)
            bars.append(
                Rect(
                    LABEL_WIDTH,
                    round(y, 1),
                    w,
                    round(bar_h, 1),
                    s.css,
                    text,
                    LABEL_WIDTH + w + 6,
                    round(y + bar_h - 4, 1),
                )
            )
        out.append(HRow(label, round(y0 + (per_row - 8) / 2 + 5, 1), tuple(bars)))
    return HBarChart(WIDTH, max(len(rows) * per_row + 4, ROW), tuple(out), tuple(series), LABEL_WIDTH)


@dataclass(frozen=True)
class FunnelStep:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_y: float


@dataclass(frozen=True)
class Funnel:
    """Stages in workflow order as bars centred on one axis, widest where most cases wait."""

    width: int
    height: int
    steps: tuple[FunnelStep, ...]
    centre: float


def funnel(steps: Sequence[tuple[str, int]]) -> Funnel:
    top = _scale([v for _, v in steps])
    span = WIDTH - LABEL_WIDTH - 10
    centre = LABEL_WIDTH + span / 2
    out = []
    for i, (label, value) in enumerate(steps):
        w = max(round(span * value / top, 1), 2.0 if value else 0.0)
        y = i * ROW + 4
        out.append(FunnelStep(label, value, round(centre - w / 2, 1), y, w, BAR, y + BAR - 4))
    return Funnel(WIDTH, max(len(steps) * ROW + 4, ROW), tuple(out), centre)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: int


@dataclass(frozen=True)
class Line:
    series: Series
    points: tuple[Point, ...]

    @property
    def path(self) -> str:
        """The polyline's ``points`` attribute."""
        return " ".join(f"{p.x},{p.y}" for p in self.points)


@dataclass(frozen=True)
class Tick:
    label: str
    x: float
    y: float


@dataclass(frozen=True)
class LineChart:
    """Counts per month, one line per series, with the y axis's top value and the month labels."""

    width: int
    height: int
    lines: tuple[Line, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    left: float
    right: float
    top: float
    bottom: float
    grid: tuple[float, ...] = field(default=())


def lines(
    labels: Sequence[str], data: Sequence[tuple[Series, Sequence[int]]], *, height: int = 220
) -> LineChart:
    """``labels``: the x positions (months); ``data``: each series with one count per label. Month labels
    are thinned so that at most six are written (they would overlap)."""
    left, right, top, bottom = 36.0, WIDTH - 26.0, 12.0, height - 28.0
    peak = max((v for _, values in data for v in values), default=0)
    ceiling = max(1, peak)
    steps = len(labels) - 1 or 1
    dx = (right - left) / steps

    def x(i: int) -> float:
        return round(left + i * dx if len(labels) > 1 else (left + right) / 2, 1)

    def y(v: float) -> float:
        return round(bottom - (bottom - top) * v / ceiling, 1)

    out = tuple(Line(s, tuple(Point(x(i), y(v), v) for i, v in enumerate(values))) for s, values in data)
    every = max(1, -(-len(labels) // 6))
    x_ticks = tuple(Tick(lab, x(i), bottom + 18) for i, lab in enumerate(labels) if i % every == 0)
    marks = sorted({0, ceiling // 2, ceiling}) if ceiling > 1 else [0, 1]
    y_ticks = tuple(Tick(str(v), left - 6, y(v) + 4) for v in marks)
    return LineChart(
        WIDTH, height, out, x_ticks, y_ticks, left, right, top, bottom, tuple(y(v) for v in marks)
    )
