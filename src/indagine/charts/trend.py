"""A figure across a survey's editions: each edition's estimate with its interval.

Written as SVG by hand, not drawn with matplotlib as the other charts are: a dashboard shows one
of these per matched question, and each is redrawn whenever an answer moves the open edition's
estimate; matplotlib takes 50-250 ms a drawing (a dozen questions made every refresh seconds
long), while a few points, whiskers and labels on a fixed grid need no layout engine.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

_LINE = "#0b5394"
_INK = "#1a1a1a"
_GRID = "#c8c8c8"
WIDTH, HEIGHT = 440, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 20, 14, 34


@dataclass(frozen=True)
class EditionPoint:
    edition: str
    value: float
    low: float
    high: float


def trend_chart(points: Sequence[EditionPoint], *, share: bool, title: str = "") -> str:
    """Estimates with interval whiskers over the editions, oldest first, joined by a line;
    shares (0-1) on a 0-100% axis, means on an axis from their lowest to highest end. `title`
    names it for screen readers (the heading above it says it to everyone)."""
    if share:
        bottom, top = 0.0, 1.0
    else:
        ends = [p.low for p in points] + [p.high for p in points]
        bottom, top = min(ends), max(ends)
        margin = (top - bottom) * 0.1 or 1.0
        bottom, top = bottom - margin, top + margin
    span = top - bottom
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(len(points), 1)

    def x(i: int) -> float:
        return LEFT + step * (i + 0.5)

    def y(v: float) -> float:
        return TOP + inner_h * (1 - (min(max(v, bottom), top) - bottom) / span)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{html.escape(title or "Across editions", quote=True)}" '
        'font-family="sans-serif" font-size="11">'
    ]
    ticks = (0.0, 0.25, 0.5, 0.75, 1.0) if share else (bottom, (bottom + top) / 2, top)
    for tick in ticks:
        words = f"{tick * 100:.0f}%" if share else f"{tick:.1f}"
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            f'stroke="{_GRID}" stroke-width="0.5"/>'
            f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{_INK}">'
            f"{words}</text>"
        )
    line = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts.append(f'<polyline points="{line}" fill="none" stroke="{_LINE}" stroke-width="1.5"/>')
    for i, p in enumerate(points):
        cx, low, high = x(i), y(p.low), y(p.high)
        words = f"{p.value * 100:.0f}%" if share else f"{p.value:.2f}"
        parts.append(
            f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{low:.1f}" y2="{high:.1f}" stroke="{_INK}"/>'
            f'<line x1="{cx - 4:.1f}" x2="{cx + 4:.1f}" y1="{low:.1f}" y2="{low:.1f}" '
            f'stroke="{_INK}"/>'
            f'<line x1="{cx - 4:.1f}" x2="{cx + 4:.1f}" y1="{high:.1f}" y2="{high:.1f}" '
            f'stroke="{_INK}"/>'
            f'<circle cx="{cx:.1f}" cy="{y(p.value):.1f}" r="4" fill="{_LINE}"/>'
            f'<text x="{cx + 8:.1f}" y="{y(p.value) - 4:.1f}" fill="{_INK}">{words}</text>'
            f'<text x="{cx:.1f}" y="{HEIGHT - 12}" text-anchor="middle" fill="{_INK}">'
            f"{html.escape(p.edition)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
