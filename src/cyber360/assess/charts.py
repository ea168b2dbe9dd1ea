"""Charts of the assess area, drawn as SVG by the server (nothing loaded from the internet, no script).

The radar shows the score of each domain (0-100 %) on its own axis; with two series (a comparison), the
earlier one is drawn dashed. Colours and fonts are presentation attributes, not CSS, so that the content
security policy (``style-src 'self'``) holds. Pages show the same figures in a table beside the chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

WIDTH, HEIGHT = 760, 480
CENTRE_X, CENTRE_Y, RADIUS = 380.0, 245.0, 150.0
RINGS = (20, 40, 60, 80, 100)
COLOURS = ("#0b4f6c", "#b86e00")
LABEL_LENGTH = 34


@dataclass(frozen=True)
class Series:
    """One assessment on the radar: a name and a percentage (or None, unanswered) per axis."""

    name: str
    values: Sequence[float | None]


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1].rstrip() + "…"


def _point(index: int, count: int, fraction: float) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * index / count
    return CENTRE_X + RADIUS * fraction * math.cos(angle), CENTRE_Y + RADIUS * fraction * math.sin(angle)


def _polygon(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def radar_svg(axes: Sequence[str], series: Sequence[Series], *, title: str, empty_text: str = "") -> str:
    """A radar chart of ``series`` over ``axes`` (at least three axes; fewer are drawn as bars)."""
    if len(axes) < 3:
        return bars_svg(axes, series, title=title, empty_text=empty_text)
    count = len(axes)
    parts = _open(title)
    for ring in RINGS:
        ring_points = [_point(index, count, ring / 100) for index in range(count)]
        parts.append(
            f'<polygon points="{_polygon(ring_points)}" fill="none" stroke="#cbd2d9" stroke-width="1"/>'
        )
        x, y = _point(0, count, ring / 100)
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 12:.1f}" font-size="10" fill="#52606d">{ring} %</text>')
    for index, label in enumerate(axes):
        x, y = _point(index, count, 1.0)
        parts.append(
            f'<line x1="{CENTRE_X}" y1="{CENTRE_Y}" x2="{x:.1f}" y2="{y:.1f}" '
            'stroke="#cbd2d9" stroke-width="1"/>'
        )
        lx, ly = _point(index, count, 1.12)
        anchor = "middle" if abs(lx - CENTRE_X) < 10 else ("start" if lx > CENTRE_X else "end")
        parts.append(
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="12" fill="#1f2933" text-anchor="{anchor}">'
            f"<title>{escape(label)}</title>{escape(_short(label))}</text>"
        )
    for number, item in enumerate(series[: len(COLOURS)]):
        colour = COLOURS[number]
        dashed = ' stroke-dasharray="6 4"' if number == 0 and len(series) > 1 else ""
        points = [_point(index, count, (value or 0.0) / 100) for index, value in enumerate(item.values)]
        opacity = "0.12" if number == len(series) - 1 else "0"
        parts.append(
            f'<polygon points="{_polygon(points)}" fill="{colour}" fill-opacity="{opacity}" '
            f'stroke="{colour}" stroke-width="2.5"{dashed}/>'
        )
        for (x, y), value in zip(points, item.values, strict=True):
            fill = colour if value is not None else "#ffffff"
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" stroke="{colour}" stroke-width="2"/>'
            )
    parts += _legend(series)
    parts.append("</svg>")
    return "\n".join(parts)


def bars_svg(axes: Sequence[str], series: Sequence[Series], *, title: str, empty_text: str = "") -> str:
    """Horizontal bars, one group per axis (used when there are too few axes for a radar)."""
    parts = _open(title)
    if not axes:
        parts.append(
            f'<text x="{CENTRE_X}" y="{CENTRE_Y}" font-size="14" fill="#52606d" '
            f'text-anchor="middle">{escape(empty_text)}</text>'
        )
    left, width, row = 220.0, 360.0, 28.0
    for index, label in enumerate(axes):
        top = 60 + index * row * (len(series) + 0.6)
        parts.append(
            f'<text x="{left - 10}" y="{top + 16:.1f}" font-size="12" fill="#1f2933" text-anchor="end">'
            f"{escape(_short(label))}</text>"
        )
        for number, item in enumerate(series[: len(COLOURS)]):
            value = item.values[index] or 0.0
            y = top + number * row
            parts.append(
                f'<rect x="{left}" y="{y:.1f}" width="{width * value / 100:.1f}" height="{row - 8}" '
                f'fill="{COLOURS[number]}"/>'
            )
            parts.append(
                f'<text x="{left + width * value / 100 + 6:.1f}" y="{y + 15:.1f}" font-size="11" '
                f'fill="#1f2933">{value:.0f} %</text>'
            )
    parts += _legend(series)
    parts.append("</svg>")
    return "\n".join(parts)


def _open(title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-label={quoteattr(title)} font-family="system-ui, sans-serif">',
        f"<title>{escape(title)}</title>",
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
    ]


def _legend(series: Sequence[Series]) -> list[str]:
    if len(series) < 2:
        return []
    parts = []
    for number, item in enumerate(series[: len(COLOURS)]):
        y = HEIGHT - 40 + number * 18
        dashed = ' stroke-dasharray="6 4"' if number == 0 else ""
        parts.append(
            f'<line x1="20" y1="{y}" x2="50" y2="{y}" stroke="{COLOURS[number]}" stroke-width="3"{dashed}/>'
        )
        parts.append(
            f'<text x="58" y="{y + 4}" font-size="12" fill="#1f2933">{escape(_short(item.name))}</text>'
        )
    return parts
