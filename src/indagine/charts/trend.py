"""A figure across a survey's editions: each edition's estimate with its interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indagine.charts.canvas import figure_to_svg, new_figure, remembered

_LINE = "#0b5394"


@dataclass(frozen=True)
class EditionPoint:
    edition: str
    value: float
    low: float
    high: float


@remembered
def trend_chart(points: Sequence[EditionPoint], *, share: bool, title: str = "") -> str:
    """Estimates with interval whiskers over the editions, oldest first, joined by a line;
    shares (0-1) on a 0-100% axis, means on their own. `title` names it for screen readers
    (the page's heading above it says it to everyone)."""
    fig, ax = new_figure(width=5.5, height=2.4)
    scale = 100.0 if share else 1.0
    xs = list(range(len(points)))
    values = [p.value * scale for p in points]
    ax.plot(xs, values, color=_LINE, linewidth=1.5, marker="o", markersize=5)
    ax.errorbar(
        xs,
        values,
        yerr=[
            [max(p.value - p.low, 0) * scale for p in points],
            [max(p.high - p.value, 0) * scale for p in points],
        ],
        fmt="none",
        ecolor="#1a1a1a",
        capsize=4,
        linewidth=1,
    )
    for x, value in zip(xs, values, strict=True):
        words = f"{value:.0f}%" if share else f"{value:.2f}"
        ax.annotate(words, (x, value), textcoords="offset points", xytext=(8, 2), fontsize=8)
    ax.set_xticks(xs, [p.edition for p in points], fontsize=9)
    ax.set_xlim(-0.5, len(points) - 0.5)
    if share:
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return figure_to_svg(fig, title or "Across editions")  # the title: for screen readers
