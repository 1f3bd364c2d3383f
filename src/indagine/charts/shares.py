"""Shares with their intervals, and responses over time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from indagine.charts.canvas import (
    figure_to_svg,
    new_figure,
    remembered,
    running_drawn,
    share_drawn,
)

_BAR = "#0b5394"


@dataclass(frozen=True)
class ShareBar:
    label: str
    share: float
    low: float
    high: float


def share_bars(bars: Sequence[ShareBar], *, title: str = "") -> str:
    """Horizontal bars of shares (0-1) with interval whiskers, in the given order, drawn to
    half a percentage point (`canvas.share_drawn`)."""
    shown = [
        ShareBar(b.label, share_drawn(b.share), share_drawn(b.low), share_drawn(b.high))
        for b in bars
    ]
    return _share_bars(shown, title=title)


@remembered
def _share_bars(bars: Sequence[ShareBar], *, title: str = "") -> str:
    fig, ax = new_figure(width=7.0, height=0.45 * max(len(bars), 1) + 1.0)
    ys = list(range(len(bars)))[::-1]
    for y, bar in zip(ys, bars, strict=True):
        ax.barh(y, bar.share * 100, color=_BAR, height=0.6)
        ax.errorbar(
            bar.share * 100,
            y,
            xerr=[[max(bar.share - bar.low, 0) * 100], [max(bar.high - bar.share, 0) * 100]],
            fmt="none",
            ecolor="#1a1a1a",
            capsize=3,
            linewidth=1,
        )
        ax.text(
            min(bar.high * 100 + 1.5, 101), y, f"{bar.share * 100:.0f}%", va="center", fontsize=8
        )
    ax.set_yticks(ys, [b.label for b in bars], fontsize=9)
    ax.set_xlim(0, 108)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25%", "50%", "75%", "100%"], fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return figure_to_svg(fig, title or "Shares")


def responses_over_time(
    days: Sequence[dt.date | dt.datetime], counts: Sequence[int], *, title: str = ""
) -> str:
    """Cumulative complete responses by day, or by hour (`days` as datetimes: the first
    days of fieldwork, when a day's bin would hide how answers came in), the running total
    drawn to three significant figures (`canvas.running_drawn`; the table gives it exactly)."""
    return _responses_over_time(list(days), running_drawn(list(counts)), title=title)


@remembered
def _responses_over_time(
    days: Sequence[dt.date | dt.datetime], counts: Sequence[int], *, title: str = ""
) -> str:
    fig, ax = new_figure(width=7.0, height=2.6)
    total, running = 0, []
    for count in counts:
        total += count
        running.append(total)
    # a dot on each bin: on the first day, a line of one point would draw nothing
    ax.step(list(days), running, where="post", color=_BAR, linewidth=2, marker="o", markersize=4)
    ax.fill_between(list(days), running, step="post", color=_BAR, alpha=0.15)
    ax.set_ylim(bottom=0)
    if days:  # a bin either side, so a single one is not stretched over years
        hourly = isinstance(days[0], dt.datetime)
        step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
        ax.set_xlim(min(days) - step, max(days) + step)
        if hourly:
            import matplotlib.dates as mdates

            zone = days[0].tzinfo  # type: ignore[union-attr]
            hours = mdates.DateFormatter("%d/%m %H:00", tz=zone)  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_formatter(hours)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)
    fig.autofmt_xdate()
    if title:
        ax.set_title(title, fontsize=11, loc="left")
    return figure_to_svg(fig, title or "Responses over time")
