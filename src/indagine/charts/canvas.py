"""Matplotlib without a display: figures in, accessible SVG text out."""

from __future__ import annotations

import functools
import hashlib
import html
import io
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, ParamSpec

import matplotlib
from matplotlib.figure import Figure

P = ParamSpec("P")

matplotlib.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "svg.fonttype": "none",  # text stays text: searchable, scalable, smaller
        "svg.hashsalt": "indagine",  # the same chart gives the same file
        "axes.edgecolor": "#4a4a4a",
        "axes.labelcolor": "#1a1a1a",
        "xtick.color": "#1a1a1a",
        "ytick.color": "#1a1a1a",
    }
)


def new_figure(width: float, height: float) -> tuple[Figure, Any]:
    # A bare Figure, not pyplot's: pyplot keeps every figure in one global registry, which
    # threads of a server (4 per worker) would share; a Figure alone is the thread's own.
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def figure_to_svg(fig: Figure, title: str) -> str:
    """The figure as an SVG string with a title and role=img for screen readers."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = _unique_ids(svg[svg.index("<svg") :])
    escaped = html.escape(title, quote=True)  # an attribute: quotes too, or a label ends it
    return re.sub(r"<svg\b", f'<svg role="img" aria-label="{escaped}"', svg, count=1)


_REMEMBERED = 256  # charts kept per chart function; 5-40 KB each


def remembered(draw: Callable[P, str]) -> Callable[P, str]:
    """A chart function that draws each distinct input once and then returns the same SVG.

    A chart is a pure function of its data, and drawing one costs 50-250 ms of matplotlib;
    the organiser's dashboard asks for the same dozen charts every few seconds while the data
    change far more rarely. The key is the arguments' repr (the chart inputs are plain data:
    frozen dataclasses, strings, numbers, dates). Bounded: the least recently used go first.
    Written here because functools.lru_cache needs hashable arguments, and charts take lists.
    A chart function's inputs are first brought to the precision it draws them at (its
    `drawn` helpers below), so that answers arriving without changing what it shows find the
    drawing already made.
    """
    drawn: OrderedDict[str, str] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(draw)
    def cached(*args: P.args, **kwargs: P.kwargs) -> str:
        key = repr((args, sorted(kwargs.items())))
        with lock:
            if key in drawn:
                drawn.move_to_end(key)
                return drawn[key]
        svg = draw(*args, **kwargs)  # outside the lock: two threads may draw it, both right
        with lock:
            drawn[key] = svg
            while len(drawn) > _REMEMBERED:
                drawn.popitem(last=False)
        return svg

    return cached


SHARE_STEP = 0.005
"""The precision a chart draws a share at: half a percentage point (its labels are whole
percentages, and half a point is under 3 pixels of a bar). At a million responses a thousand
more move a share by at most a tenth of a point: the chart is not drawn again for them."""


def share_drawn(value: float) -> float:
    """A share (0-1) at the precision a chart draws it at."""
    return round(round(value / SHARE_STEP) * SHARE_STEP, 4) if value == value else value


def running_drawn(counts: list[int]) -> list[int]:
    """Counts per bin whose running total is drawn to three significant figures of the whole
    (a cumulative line a third of a per cent off is under a pixel of its height)."""
    total = sum(counts)
    if total < 1000:
        return counts
    step = int(10 ** (len(str(total)) - 3))
    running, out, previous = 0, [], 0
    for count in counts:
        running += count
        shown = round(running / step) * step
        out.append(shown - previous)
        previous = shown
    return out


def _unique_ids(svg: str) -> str:
    """Prefix every id (and each reference to it) with a digest of the chart, so several
    charts on one page never share an id: matplotlib numbers them from 1 in every figure."""
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
