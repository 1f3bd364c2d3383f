"""Ranking questions: each item's mean rank with its interval, beside the share ranking it first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from indagine.charts.canvas import figure_to_svg, remembered, share_drawn

_DOT = "#0b5394"
_BAR = "#6fa8dc"


@dataclass(frozen=True)
class RankPoint:
    """One item: its mean rank (1 = first) and the share ranking it first, with intervals."""

    label: str
    mean: float
    low: float
    high: float
    first: float
    first_low: float
    first_high: float


def rank_chart(
    points: Sequence[RankPoint],
    *,
    places: int,
    title: str = "",
    mean_label: str = "Mean rank (1 = first)",
    first_label: str = "Ranked first",
) -> str:
    """`_rank_chart` of the points drawn to the chart's precision: mean ranks to a hundredth,
    shares to half a percentage point."""
    shown = [
        RankPoint(
            p.label,
            round(p.mean, 2),
            round(p.low, 2),
            round(p.high, 2),
            share_drawn(p.first),
            share_drawn(p.first_low),
            share_drawn(p.first_high),
        )
        for p in points
    ]
    return _rank_chart(
        shown, places=places, title=title, mean_label=mean_label, first_label=first_label
    )


@remembered
def _rank_chart(
    points: Sequence[RankPoint],
    *,
    places: int,
    title: str = "",
    mean_label: str = "Mean rank (1 = first)",
    first_label: str = "Ranked first",
) -> str:
    """Items in the given order from the top (the caller sorts them by mean rank): on the left
    a dot per mean rank with its interval, on an axis from the first place to the last; on the
    right a bar per share ranking the item first, with its interval. Two panels rather than one
    scale: a mean rank and a share are not the same kind of number."""
    height = 0.42 * max(len(points), 1) + 1.2
    fig = Figure(figsize=(7.0, height))
    left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
    ys = list(range(len(points)))[::-1]
    for y, p in zip(ys, points, strict=True):
        left.errorbar(
            p.mean,
            y,
            xerr=[[max(p.mean - p.low, 0)], [max(p.high - p.mean, 0)]],
            fmt="o",
            color=_DOT,
            ecolor="#1a1a1a",
            capsize=3,
            linewidth=1,
            markersize=6,
        )
        right.barh(y, p.first * 100, color=_BAR, height=0.6)
        right.errorbar(
            p.first * 100,
            y,
            xerr=[[max(p.first - p.first_low, 0) * 100], [max(p.first_high - p.first, 0) * 100]],
            fmt="none",
            ecolor="#1a1a1a",
            capsize=3,
            linewidth=1,
        )
        right.text(
            min(p.first_high * 100 + 2, 104), y, f"{p.first * 100:.0f}%", va="center", fontsize=8
        )
    left.set_yticks(ys, [p.label for p in points], fontsize=9)
    left.set_xlim(0.7, places + 0.3)
    left.set_xticks(range(1, places + 1), [str(i) for i in range(1, places + 1)], fontsize=8)
    left.set_xlabel(mean_label, fontsize=9)
    left.grid(axis="x", color="#e6e6e6", linewidth=0.8)
    left.set_axisbelow(True)
    right.set_xlim(0, 115)
    right.set_xticks([0, 50, 100], ["0", "50%", "100%"], fontsize=8)
    right.set_xlabel(first_label, fontsize=9)
    right.tick_params(axis="y", length=0)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    if title:
        fig.suptitle(title, fontsize=11, x=0.02, ha="left")
    fig.tight_layout()
    return figure_to_svg(fig, title or mean_label)
