"""Crosstabs of two categorical items: counts, row and column shares, and the Rao-Scott test.

The test is Pearson's X² corrected for the design as ``survey::svychisq`` computes it: the
second-order correction X²/tr(Δ) ~ F(d, d·ν) with d = tr(Δ)²/tr(Δ²) (Rao and Scott 1984,
Annals of Statistics 12(1); Thomas and Rao 1987, JASA 82), and the first-order X²/mean(δ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from indagine.stats.categories import encode
from indagine.stats.design import Design, base_fallback_n
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import Estimate, Shares, domain_mask, shares
from indagine.stats.intervals import IntervalMethod, proportion_intervals

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class RaoScott:
    """Rao-Scott tests of independence: second order (F) and first order (chi-square)."""

    pearson: float
    statistic: float
    ndf: float
    ddf: float
    p_value: float
    chisq_statistic: float
    chisq_df: int
    chisq_p_value: float
    method: str = "Pearson X² with Rao-Scott second-order correction (F), as svychisq"


@dataclass(frozen=True, eq=False)
class Crosstab:
    """Counts, weighted counts, shares within rows and columns, and the test of independence."""

    row_variable: str
    column_variable: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: IntArray
    weighted: FloatArray
    row_shares: tuple[tuple[Estimate, ...], ...]
    column_shares: tuple[tuple[Estimate, ...], ...]
    test: RaoScott
    n: int
    weighted_n: float


def _design_matrices(nr: int, nc: int) -> FloatArray:
    """Interaction contrasts orthogonal to the main effects (cells ordered rows fastest)."""
    row = np.tile(np.arange(nr), nc)
    col = np.repeat(np.arange(nc), nr)
    main = np.column_stack(
        [np.ones(nr * nc)]
        + [(row == i).astype(float) for i in range(1, nr)]
        + [(col == j).astype(float) for j in range(1, nc)]
    )
    inter = np.column_stack(
        [((row == i) & (col == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef = np.linalg.lstsq(main, inter, rcond=None)[0]
    residual: FloatArray = inter - main @ coef
    return residual


def rao_scott(result: Shares, nr: int, nc: int, df: int) -> RaoScott:
    """Rao-Scott corrections of Pearson's X² for the cell shares and their design covariance."""
    p, n = result.p, result.n
    contrast = _design_matrices(nr, nc)
    inverse = np.where(p > 0, 1.0 / np.where(p > 0, p, 1.0), 0.0)
    scaled = contrast * inverse[:, None]
    denominator = contrast.T @ (scaled / n)
    numerator = scaled.T @ result.cov @ scaled
    delta = np.linalg.solve(denominator, numerator)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    observed = (p * n).reshape(nc, nr).T
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    pearson = float(np.sum((observed - expected) ** 2 / expected))
    statistic = pearson / trace
    first = pearson / float(np.mean(np.diag(delta)))
    dof = (nr - 1) * (nc - 1)
    return RaoScott(
        pearson=pearson,
        statistic=statistic,
        ndf=d0,
        ddf=d0 * df,
        p_value=float(stats.f.sf(statistic, d0, d0 * df)),
        chisq_statistic=first,
        chisq_df=dof,
        chisq_p_value=float(stats.chi2.sf(first, dof)),
    )


@dataclass(frozen=True)
class _Group:
    """One row (or column) of the table: the shares within it, as they are described."""

    what: str
    base: str
    n: int
    ci: IntervalMethod
    level: float


def _group(names: tuple[str, str], label: str, n: int, ci: IntervalMethod, level: float) -> _Group:
    """The group where `names[0]` is `label`, among which the shares of `names[1]` are taken."""
    given, shared = names
    return _Group(
        what=f"{shared} among {given} = {label}",
        base=f"{given} = {label}, {shared} answered",
        n=n,
        ci=ci,
        level=level,
    )


def _conditional(
    design: Design,
    result: Shares,
    cells: IntArray,
    labels: tuple[str, ...],
    group: _Group,
) -> tuple[Estimate, ...]:
    """Shares of the cells within their group (e.g. columns within one row), delta method."""
    p, cov = result.p[cells], result.cov[np.ix_(cells, cells)]
    margin = float(p.sum())
    share = p / margin if margin > 0 else np.zeros_like(p)
    gradient = (np.eye(p.size) - share[:, None]) / margin if margin > 0 else np.zeros_like(cov)
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", gradient, cov, gradient), 0.0))
    iv = proportion_intervals(
        share,
        se,
        method=group.ci,
        level=group.level,
        df=design.degrees_of_freedom,
        fallback_n=base_fallback_n(design, margin * result.weighted_n),
    )
    method = f"{iv.method} interval; taylor linearisation, {design.described()}"
    return tuple(
        Estimate(
            f"{group.what} = {label}",
            float(share[k]),
            float(se[k]),
            float(iv.low[k]),
            float(iv.high[k]),
            group.level,
            method,
            group.n,
            margin * result.weighted_n,
            group.base,
        )
        for k, label in enumerate(labels)
    )


def _independence(
    design: Design, codes: tuple[IntArray, IntArray], base: Any, counts: IntArray, result: Shares
) -> RaoScott:
    """The test on the levels someone in the domain gave: a row or column no one did has no
    expected count (Pearson's X² would divide 0 by 0), and the table without it is the same
    table; with fewer than two such levels either way, nothing to test (NaN)."""
    held_rows, held_columns = counts.sum(axis=1) > 0, counts.sum(axis=0) > 0
    nr, nc = int(held_rows.sum()), int(held_columns.sum())
    if nr < 2 or nc < 2:
        nan = float("nan")
        return RaoScott(nan, nan, nan, nan, nan, nan, (nr - 1) * (nc - 1), nan)
    if nr < counts.shape[0] or nc < counts.shape[1]:
        row_at, column_at = np.cumsum(held_rows) - 1, np.cumsum(held_columns) - 1
        cell = np.where(base, row_at[codes[0]] + nr * column_at[codes[1]], 0).astype(np.intp)
        result = shares(design, cell, nr * nc, base)
    return rao_scott(result, nr, nc, design.degrees_of_freedom)


def crosstab(
    design: Design,
    row_values: Any,
    column_values: Any,
    *,
    names: tuple[str, str] = ("row", "column"),
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Crosstab:
    """Crosstab with row and column shares and the Rao-Scott test (``survey::svychisq``)."""
    rows, cols = encode(row_values), encode(column_values)
    base = domain_mask(design, domain) & ~rows.missing & ~cols.missing
    nr, nc = rows.size, cols.size
    if nr < 2 or nc < 2:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="a crosstab needs two levels each way")
    cell = np.where(base, rows.codes + nr * cols.codes, 0).astype(np.intp)
    result = shares(design, cell, nr * nc, base)
    counts = np.bincount(cell[base], minlength=nr * nc).reshape(nc, nr).T
    index = np.arange(nr * nc).reshape(nc, nr).T
    row_shares = tuple(
        _conditional(
            design,
            result,
            index[i],
            cols.labels,
            _group(names, rows.labels[i], int(counts[i].sum()), ci, level),
        )
        for i in range(nr)
    )
    column_shares = tuple(
        _conditional(
            design,
            result,
            index[:, j],
            rows.labels,
            _group((names[1], names[0]), cols.labels[j], int(counts[:, j].sum()), ci, level),
        )
        for j in range(nc)
    )
    return Crosstab(
        row_variable=names[0],
        column_variable=names[1],
        rows=rows.labels,
        columns=cols.labels,
        counts=counts,
        weighted=(result.p * result.weighted_n).reshape(nc, nr).T,
        row_shares=row_shares,
        column_shares=column_shares,
        test=_independence(design, (rows.codes, cols.codes), base, counts, result),
        n=result.n,
        weighted_n=result.weighted_n,
    )
