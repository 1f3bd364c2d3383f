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


def _unique_ids(svg: str) -> str:
    """Prefix every id (and each reference to it) with a digest of the chart, so several
    charts on one page never share an id: matplotlib numbers them from 1 in every figure."""
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
