"""Matplotlib without a display: figures in, accessible SVG text out."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot's import

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

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
    fig = plt.figure(figsize=(width, height))
    return fig, fig.add_subplot()


def figure_to_svg(fig: Figure, title: str) -> str:
    """The figure as an SVG string with a title and role=img for screen readers."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"<svg\b", f'<svg role="img" aria-label="{escaped}"', svg, count=1)


def _unique_ids(svg: str) -> str:
    """Prefix every id (and each reference to it) with a digest of the chart, so several
    charts on one page never share an id: matplotlib numbers them from 1 in every figure."""
    prefix = "c" + hashlib.sha1(svg.encode("utf-8")).hexdigest()[:8] + "-"
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}{m.group(1)}"', svg)
    return re.sub(r'(href="#|url\(#)([^")]+)', lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)
