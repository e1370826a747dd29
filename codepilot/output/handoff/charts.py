"""The geometry of the HTML report's inline SVG charts (the markup is in templates/charts.svg.j2):
no scripts, no external assets; colours from CSS variables so the light and dark themes (and print)
restyle them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str  # in full (the tooltip)
    short: str  # as drawn: the end of a long label
    value: int
    color: str  # a CSS colour
    y: int
    width: int


@dataclass(frozen=True)
class Bars:
    """Horizontal bars, a value label at the end of each."""

    label: str
    width: int
    height: int
    row: int
    label_w: int
    bars: list[Bar]


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Columns:
    """Vertical bars over time, the first and last labelled, the highest value on the axis."""

    label: str
    width: int
    height: int  # of the plot; the labels below take 30 more
    top: int
    columns: list[Column]


def bars(
    items: list[tuple[str, int, str]], width: int = 420, row: int = 26, label: str = "bar chart"
) -> Bars | None:
    """(label, value, css colour) each; None for no items."""
    if not items:
        return None
    label_w, top = 150, max(v for _, v, _ in items) or 1
    drawn = [
        Bar(
            name,
            name if len(name) <= 22 else "…" + name[-21:],
            value,
            color,
            4 + i * row,
            int((width - label_w - 50) * value / top),
        )
        for i, (name, value, color) in enumerate(items)
    ]
    return Bars(label, width, row * len(items) + 8, row, label_w, drawn)


def columns(
    items: list[tuple[str, int]], width: int = 640, height: int = 120, label: str = "column chart"
) -> Columns | None:
    """(day, count) each; None for no items."""
    if not items:
        return None
    top = max(v for _, v in items) or 1
    slot = min((width - 40) / len(items), 48.0)
    drawn = []
    for i, (day, value) in enumerate(items):
        h = (height - 10) * value / top
        drawn.append(Column(day, value, 34 + i * slot, height - h, max(slot - 3, 1), h))
    return Columns(label, width, height, top, drawn)
