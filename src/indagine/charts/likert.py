"""Diverging stacked bars for Likert items (Heiberger and Robbins, 2014, JSS 57(5)).

Disagreeing categories extend left of zero, agreeing ones right; a neutral middle category is
split across zero; items are sorted by agreement; each bar carries its n on the right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indagine.charts.canvas import (
    figure_to_svg,
    new_figure,
    remembered,
    share_drawn,
)

# A diverging palette that stays readable in grey and for red-green colour blindness
# (ColorBrewer RdBu, 5 and 4 classes); neutral is a mid grey.
_PALETTES = {
    2: ["#ca0020", "#0571b0"],
    3: ["#ca0020", "#bababa", "#0571b0"],
    4: ["#ca0020", "#f4a582", "#92c5de", "#0571b0"],
    5: ["#ca0020", "#f4a582", "#bababa", "#92c5de", "#0571b0"],
    6: ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"],
    7: ["#b2182b", "#ef8a62", "#fddbc7", "#bababa", "#d1e5f0", "#67a9cf", "#2166ac"],
}


@dataclass(frozen=True)
class LikertRow:
    label: str
    shares: Sequence[float]  # one per category, lowest first; they sum to 1
    n: int


def agreement(row: LikertRow) -> float:
    """Share on the upper half of the scale, a neutral middle counting half."""
    k = len(row.shares)
    upper = sum(row.shares[(k + 1) // 2 :])
    return upper + (row.shares[k // 2] / 2 if k % 2 else 0.0)


def diverging_bars(
    rows: Sequence[LikertRow], categories: Sequence[str], *, title: str = "", n_label: str = "n"
) -> str:
    """An SVG of the rows as diverging stacked bars, most agreed first: shares drawn to half a
    percentage point; each row's n said exactly under 1,000 and left to the table beside the
    chart above (at a million answers a count changes with every answer, and a chart drawn
    again for each would cost a dashboard a second)."""
    shown = [
        LikertRow(r.label, [share_drawn(x) for x in r.shares], r.n if r.n < 1000 else 0)
        for r in rows
    ]
    return _diverging_bars(shown, list(categories), title=title, n_label=n_label)


@remembered
def _diverging_bars(
    rows: Sequence[LikertRow], categories: Sequence[str], *, title: str = "", n_label: str = "n"
) -> str:
    k = len(categories)
    colours = _PALETTES.get(k) or _PALETTES[5]
    ordered = sorted(rows, key=agreement)
    fig, ax = new_figure(width=8.0, height=0.55 * max(len(ordered), 1) + 1.6)
    for y, row in enumerate(ordered):
        shares = np.asarray(row.shares, dtype=float) * 100
        lower = shares[: k // 2].sum() + (shares[k // 2] / 2 if k % 2 else 0.0)
        left = -lower
        for i, width in enumerate(shares):
            ax.barh(
                y,
                width,
                left=left,
                color=colours[i % len(colours)],
                height=0.7,
                edgecolor="white",
                linewidth=0.6,
            )
            if width >= 7:
                ax.text(
                    left + width / 2,
                    y,
                    f"{width:.0f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if i in (0, k - 1) else "#1a1a1a",
                )
            left += width
    ax.axvline(0, color="#1a1a1a", linewidth=0.8)
    ax.set_yticks(range(len(ordered)), [r.label for r in ordered], fontsize=9)
    span = 100
    ax.set_xlim(-span, span)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"], fontsize=8)
    for y, row in enumerate(ordered):
        if row.n:  # 0: said in the table beside the chart
            ax.text(span + 2, y, f"{n_label}={row.n}", va="center", fontsize=8, clip_on=False)
    handles = [ax.barh(0, 0, color=c)[0] for c in colours[:k]]
    ax.legend(
        handles,
        categories,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.08),
        ncol=min(k, 5),
        fontsize=8,
        frameon=False,
    )
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    ax.spines[["top", "right", "left"]].set_visible(False)
    return figure_to_svg(fig, title or "Likert items")
