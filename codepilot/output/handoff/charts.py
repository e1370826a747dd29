"""Inline SVG charts for the HTML report: no scripts, no external assets; colours from CSS variables
so the light and dark themes (and print) restyle them."""

from __future__ import annotations

from html import escape


def bars(
    items: list[tuple[str, int, str]], width: int = 420, row: int = 26, label: str = "bar chart"
) -> str:
    """Horizontal bars: (label, value, css colour) each; a value label at the end of each bar."""
    if not items:
        return ""
    label_w, top = 150, max(v for _, v, _ in items) or 1
    height = row * len(items) + 8
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} '
        f'{height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
    ]
    for i, (label, value, color) in enumerate(items):
        y = 4 + i * row
        w = int((width - label_w - 50) * value / top)
        short = label if len(label) <= 22 else "…" + label[-21:]
        out.append(
            f"<g><title>{escape(label)}: {value}</title>"
            f'<text x="{label_w - 8}" y="{y + row / 2 + 4}" text-anchor="end" class="chart-label">'
            f"{escape(short)}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{max(w, 1)}" height="{row - 8}" rx="3" '
            f'style="fill:{color}"/>'
            f'<text x="{label_w + w + 6}" y="{y + row / 2 + 4}" '
            f'class="chart-value">{value}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def columns(
    items: list[tuple[str, int]], width: int = 640, height: int = 120, label: str = "column chart"
) -> str:
    """Vertical bars over time: (day, count) each, first and last day labelled."""
    if not items:
        return ""
    top = max(v for _, v in items) or 1
    n = len(items)
    slot = min((width - 40) / n, 48.0)
    out = [
        f'<svg class="chart" role="img" aria-label="{escape(label)}" viewBox="0 0 {width} '
        f'{height + 30}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><line x1="30" y1="{height}" '
        f'x2="{width}" y2="{height}" '
        f'class="chart-axis"/>'
    ]
    for i, (day, value) in enumerate(items):
        h = (height - 10) * value / top
        x = 34 + i * slot
        out.append(
            f'<g><title>{escape(day)}: {value}</title><rect x="{x:.1f}" y="{height - h:.1f}" '
            f'width="{max(slot - 3, 1):.1f}" height="{h:.1f}" rx="2" class="chart-column"/></g>'
        )
    out.append(f'<text x="34" y="{height + 20}" class="chart-label">{escape(items[0][0])}</text>')
    if n > 1:
        out.append(
            f'<text x="{width}" y="{height + 20}" text-anchor="end" '
            f'class="chart-label">{escape(items[-1][0])}</text>'
        )
    out.append(f'<text x="26" y="14" text-anchor="end" class="chart-label">{top}</text></svg>')
    return "".join(out)
