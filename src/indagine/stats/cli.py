"""``indagine stats FILE.csv``: survey estimates for any CSV file, as JSON or a table.

The JSON layout (``"layout": 1``) is documented in docs/stats.md and kept stable.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.stats.crosstab import Crosstab, crosstab
from indagine.stats.design import Design, survey_design
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import Distribution, mean, proportions, total
from indagine.stats.intervals import METHODS
from indagine.stats.report import render_table
from indagine.stats.sequences import (
    ConfidenceSequence,
    asymptotic,
    betting,
    betting_without_replacement,
    consolidated,
)
from indagine.stats.weighting import Calibrated, rake, weighting_effect

FloatArray = npt.NDArray[np.float64]
LAYOUT = 1
NOT_ANSWERS = ("don't know", "dk", "prefer not to say")


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    p = argparse.ArgumentParser(
        prog="indagine stats", description="Design-based survey estimates from a CSV file."
    )
    p.add_argument("file", help="CSV file with one row per respondent")
    p.add_argument("--weights", metavar="COL", help="column of sampling weights")
    p.add_argument("--strata", metavar="COL", help="column of strata")
    p.add_argument("--cluster", metavar="COL", help="column of clusters (one-stage)")
    p.add_argument("--fpc", metavar="COL|N", help="population size: a number or a column")
    p.add_argument("--mean", metavar="VAR", action="append", default=[], help="weighted mean")
    p.add_argument("--total", metavar="VAR", action="append", default=[], help="weighted total")
    p.add_argument("--prop", metavar="VAR", action="append", default=[], help="share per level")
    p.add_argument("--crosstab", metavar=("A", "B"), nargs=2, action="append", default=[])
    p.add_argument("--rake", metavar="MARGINS.json", help="variable -> level -> population count")
    p.add_argument(
        "--not-answer",
        metavar="LABEL",
        action="append",
        default=None,
        help="answer kept out of the base of --prop (repeat; default: don't know, dk, ...)",
    )
    p.add_argument("--ci", choices=METHODS[:3], default="logit", help="interval for shares")
    p.add_argument("--level", type=float, default=0.95, help="confidence level (0.95)")
    p.add_argument("--sequence", action="store_true", help="add anytime-valid sequences")
    p.add_argument("--threshold", type=float, help="with --sequence: is a share consolidated?")
    p.add_argument("--format", choices=["json", "table"], default="json")
    return p


def _read(path: str) -> pl.DataFrame:
    try:
        return pl.read_csv(path, infer_schema=False)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise StatsError(ErrorCode.BAD_FILE, path=path, detail=str(exc).splitlines()[0]) from exc


def _column(df: pl.DataFrame, name: str) -> pl.Series:
    if name not in df.columns:
        raise StatsError(ErrorCode.MISSING_COLUMN, column=name)
    return df[name]


def _numbers(df: pl.DataFrame, name: str, *, required: bool = False) -> FloatArray:
    text = _column(df, name).str.strip_chars()
    values = text.cast(pl.Float64, strict=False)
    bad = values.is_null() & (text.is_not_null() & (text != "") if not required else True)
    if bad.any():
        example = text.filter(bad)[0]
        raise StatsError(ErrorCode.NON_NUMERIC, column=name, example=example or "(empty)")
    return values.fill_null(np.nan).to_numpy().astype(np.float64)


def _fpc(df: pl.DataFrame, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return _numbers(df, value, required=True)


def _design(df: pl.DataFrame, args: argparse.Namespace) -> Design:
    return survey_design(
        df.height,
        weights=_numbers(df, args.weights, required=True) if args.weights else None,
        strata=_column(df, args.strata) if args.strata else None,
        clusters=_column(df, args.cluster) if args.cluster else None,
        fpc=_fpc(df, args.fpc),
    )


def _margins(df: pl.DataFrame, design: Design, path: str) -> Calibrated:
    try:
        population = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise StatsError(ErrorCode.BAD_FILE, path=path, detail=str(exc)) from exc
    if not isinstance(population, dict) or not all(
        isinstance(m, dict) for m in population.values()
    ):
        raise StatsError(ErrorCode.BAD_FILE, path=path, detail="expected {variable: {level: N}}")
    data = {variable: _column(df, variable) for variable in population}
    return rake(design, data, population)


def _sequence(design: Design, indicator: FloatArray, args: argparse.Namespace) -> dict[str, Any]:
    """The sequence over the file's row order: exact when unweighted, asymptotic otherwise."""
    keep = ~np.isnan(indicator)
    x, w = indicator[keep], design.weights[keep]
    equal = bool(np.allclose(w, w[0])) and design.strata.size == 1 and design.rows_are_psus
    panel = _panel_size(args)
    cs: ConfidenceSequence
    if equal and panel is not None:
        cs = betting_without_replacement(x, int(panel), alpha=1 - args.level)
    elif equal:
        cs = betting(x, alpha=1 - args.level, looks=None if x.size <= 20_000 else [x.size])
    else:
        cs = asymptotic(x, w, alpha=1 - args.level)
    out: dict[str, Any] = {"lower": float(cs.lower[-1]), "upper": float(cs.upper[-1])}
    out |= {"n": int(cs.n[-1]), "method": cs.method, "asymptotic": cs.asymptotic}
    if args.threshold is not None:
        decision = consolidated(cs, args.threshold)
        out["consolidated"] = {
            "threshold": args.threshold,
            "side": decision.side,
            "since_n": decision.since_n,
        }
    return out


def _panel_size(args: argparse.Namespace) -> float | None:
    try:
        return float(args.fpc) if args.fpc is not None else None
    except ValueError:
        return None


def _distribution(dist: Distribution, design: Design, raw: pl.Series, args: Any) -> dict[str, Any]:
    shares = []
    for share in dist.shares:
        item = {"answer": share.what.rsplit(" = ", 1)[1], **share.as_dict()}
        if args.sequence:
            level = item["answer"]
            text = raw.cast(pl.String).str.strip_chars()
            answered = text.is_in([s.what.rsplit(" = ", 1)[1] for s in dist.shares]).to_numpy()
            indicator = np.where(answered, (text == level).fill_null(False).to_numpy(), np.nan)
            item["sequence"] = _sequence(design, indicator.astype(np.float64), args)
        shares.append(item)
    return {
        "variable": dist.what,
        "n": dist.n,
        "weighted_n": dist.weighted_n,
        "base": dist.base,
        "excluded": dict(dist.excluded),
        "shares": shares,
    }


def _crosstab(table: Crosstab) -> dict[str, Any]:
    return {
        "rows": table.row_variable,
        "columns": table.column_variable,
        "row_levels": list(table.rows),
        "column_levels": list(table.columns),
        "n": table.n,
        "weighted_n": table.weighted_n,
        "counts": table.counts.tolist(),
        "weighted": table.weighted.tolist(),
        "row_shares": [[e.as_dict() for e in row] for row in table.row_shares],
        "column_shares": [[e.as_dict() for e in col] for col in table.column_shares],
        "test": dict(table.test.__dict__),
    }


def _design_report(design: Design, calibrated: Calibrated | None) -> dict[str, Any]:
    kish = weighting_effect(design.weights)
    weighting = None
    if calibrated is not None:
        weighting = {
            "method": calibrated.method,
            "margins": list(calibrated.margins),
            "iterations": calibrated.iterations,
            "converged": calibrated.converged,
            "max_error": calibrated.max_error,
        }
    return {
        "kind": design.described(),
        "n": design.n,
        "weighted_n": float(design.weights.sum()),
        "strata": int(design.psu_count.size),
        "psus": int(design.psu_count.sum()),
        "degrees_of_freedom": design.degrees_of_freedom,
        "fpc": bool(np.any(design.fraction > 0)),
        "weighting": weighting,
        "kish_deff": kish.deff,
        "effective_n": kish.effective_n,
    }


def analyse(args: argparse.Namespace) -> dict[str, Any]:
    """Read the file, build the design, compute everything asked for: the JSON report."""
    df = _read(args.file)
    design = _design(df, args)
    calibrated = _margins(df, design, args.rake) if args.rake else None
    if calibrated is not None:
        design = calibrated.design
    level, ci = args.level, args.ci
    return {
        "layout": LAYOUT,
        "file": args.file,
        "ci": ci,
        "level": level,
        "design": _design_report(design, calibrated),
        "means": [mean(design, _numbers(df, v), what=v, level=level).as_dict() for v in args.mean],
        "totals": [
            total(design, _numbers(df, v), what=v, level=level).as_dict() for v in args.total
        ],
        "proportions": [
            _distribution(
                proportions(
                    design,
                    _column(df, v),
                    what=v,
                    ci=ci,
                    level=level,
                    not_answers=args.not_answer or NOT_ANSWERS,
                ),
                design,
                _column(df, v),
                args,
            )
            for v in args.prop
        ],
        "crosstabs": [
            _crosstab(crosstab(design, _column(df, a), _column(df, b), names=(a, b), ci=ci))
            for a, b in args.crosstab
        ],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``indagine stats``; 0 on success, 2 on bad input (message with its code on stderr)."""
    try:
        args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        report = analyse(args)
    except StatsError as exc:
        print(f"indagine stats: error: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps(_finite(report), indent=2, allow_nan=False))
    else:
        print(render_table(report))
    return 0


def _finite(value: Any) -> Any:
    """JSON-safe data: numpy scalars as Python numbers, NaN and infinities as null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
