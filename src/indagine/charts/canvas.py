"""Matplotlib without a display: figures in, accessible SVG text out."""

from __future__ import annotations

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
