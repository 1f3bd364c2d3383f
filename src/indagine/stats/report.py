"""Plain-text tables of a ``indagine stats`` report, for people reading a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _number(value: Any, digits: int = 4) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}g}" if abs(value) >= 1e4 else f"{value:.{digits}f}"


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(
        h.ljust(w) if i == 0 else h.rjust(w)
        for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    body = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    return [line, "-" * len(line), *body]


def _estimates(title: str, items: Sequence[dict[str, Any]], label: str = "what") -> list[str]:
    if not items:
        return []
    header = ["", "estimate", "se", "ci low", "ci high", "n", "weighted n"]
    rows = [
        [
            str(e[label]),
            *(_number(e[k]) for k in ("estimate", "se", "ci_low", "ci_high")),
            str(e["n"]),
            _number(e["weighted_n"], 6),
        ]
        for e in items
    ]
    return ["", title, *_grid(header, rows)]


def _proportion(item: dict[str, Any]) -> list[str]:
    lines = _estimates(f"shares of {item['variable']} ({item['base']})", item["shares"], "answer")
    if item["excluded"]:
        lines.append(
            "not in the base: " + ", ".join(f"{k} {v}" for k, v in item["excluded"].items())
        )
    for share in item["shares"]:
        seq = share.get("sequence")
        if seq:
            note = (
                f"  sequence {share['answer']}: [{_number(seq['lower'])}, {_number(seq['upper'])}]"
            )
            note += f" at n={seq['n']}, {seq['method']}"
            if "consolidated" in seq:
                note += f"; consolidated: {seq['consolidated']['side'] or 'not yet'}"
            lines.append(note)
    return lines


def _crosstab(table: dict[str, Any]) -> list[str]:
    header = [f"{table['rows']} \\ {table['columns']}", *table["column_levels"]]
    rows = [
        [level, *(f"{s['estimate']:.1%} ({c})" for s, c in zip(shares, counts, strict=True))]
        for level, shares, counts in zip(
            table["row_levels"], table["row_shares"], table["counts"], strict=True
        )
    ]
    test = table["test"]
    summary = (
        f"Rao-Scott F = {test['statistic']:.4f}, df = {test['ndf']:.3f}, {test['ddf']:.2f}, "
        f"p = {test['p_value']:.4g}"
    )
    return [
        "",
        f"{table['rows']} by {table['columns']}: row shares (count)",
        *_grid(header, rows),
        summary,
    ]


def render_table(report: dict[str, Any]) -> str:
    """The report as aligned text tables."""
    design = report["design"]
    lines = [
        f"{report['file']}: {design['kind']}",
        f"n = {design['n']}, weighted n = {_number(design['weighted_n'], 6)}, "
        f"Kish deff = {design['kish_deff']:.3f}, effective n = {design['effective_n']:.1f}, "
        f"intervals {report['ci']} at {report['level']:.0%}",
    ]
    if design["weighting"]:
        w = design["weighting"]
        lines.append(f"{w['method']} on {', '.join(w['margins'])}: {w['iterations']} iterations")
    lines += _estimates("means", report["means"]) + _estimates("totals", report["totals"])
    for item in report["proportions"]:
        lines += _proportion(item)
    for table in report["crosstabs"]:
        lines += _crosstab(table)
    return "\n".join(lines)
