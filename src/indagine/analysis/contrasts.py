"""Contrasts: scale findings whose upper-half share differs across a profile question.

Each (finding, profile question) pair is a 2 × k crosstab tested with the Rao-Scott second-order
F (``indagine.stats.crosstab``, as ``svychisq``); the p-values of all tests made are adjusted
together by Holm's step-down method (Holm 1979, Scand. J. Statist. 6(2)) and a contrast is kept
when its adjusted p is below the level. `Contrast.p_value` holds the Holm-adjusted p. The
segment named is the one, among those with at least `min_segment` respondents, whose share
departs most from the overall share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indagine.forms.model import Form, Question
from indagine.stats.crosstab import Crosstab, rao_scott
from indagine.stats.design import base_fallback_n
from indagine.stats.errors import StatsError
from indagine.stats.estimates import Estimate, Shares
from indagine.stats.intervals import proportion_intervals

from .basis import Basis
from .findings import Contrast, Finding
from .tally import CountArray, Tally

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
MIN_SEGMENT = 10


@dataclass(frozen=True)
class _Test:
    finding: Finding
    by: Question
    table: Crosstab


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _contrast(test: _Test, p_value: float, min_segment: int) -> Contrast | None:
    table, finding = test.table, test.finding
    overall = finding.share
    if overall is None:
        return None
    yes = table.columns.index("1")
    best: tuple[float, int] | None = None
    for i, _ in enumerate(table.rows):
        if int(table.counts[i].sum()) < min_segment:
            continue
        gap = abs(table.row_shares[i][yes].estimate - overall.estimate.estimate)
        if best is None or gap > best[0]:
            best = (gap, i)
    if best is None:
        return None
    index = best[1]
    choice = test.by.choices[int(table.rows[index])]
    return Contrast(
        finding=finding.key,
        by=test.by.name,
        by_label=dict(test.by.label.values),
        p_value=p_value,
        statistic=table.test.statistic,
        ndf=table.test.ndf,
        ddf=table.test.ddf,
        segment=choice.name,
        segment_label=dict(choice.label.values),
        segment_share=table.row_shares[index][yes],
        overall_share=overall.estimate,
    )


# -- the tests from a tally: (cell, profile answer, item answer) counts


def _conditional(
    basis: Basis,
    result: Shares,
    cells: IntArray,
    labels: Sequence[str],
    *,
    what: str,
    base: str,
    n: int,
    level: float,
) -> tuple[Estimate, ...]:
    """Shares of the cells within their row, delta method (``crosstab._conditional``)."""
    p, cov = result.p[cells], result.cov[np.ix_(cells, cells)]
    margin = float(p.sum())
    share = p / margin if margin > 0 else np.zeros_like(p)
    gradient = (np.eye(p.size) - share[:, None]) / margin if margin > 0 else np.zeros_like(cov)
    se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", gradient, cov, gradient), 0.0))
    iv = proportion_intervals(
        share,
        se,
        method="logit",
        level=level,
        df=basis.degrees_of_freedom,
        fallback_n=base_fallback_n(basis, margin * result.weighted_n),
    )
    method = f"{iv.method} interval; taylor linearisation, {basis.described()}"
    return tuple(
        Estimate(
            f"{what} = {label}",
            float(share[k]),
            float(se[k]),
            float(iv.low[k]),
            float(iv.high[k]),
            level,
            method,
            n,
            margin * result.weighted_n,
            base,
        )
        for k, label in enumerate(labels)
    )


def _table(
    basis: Basis, counts: CountArray, finding: Finding, item: Question, by: Question, level: float
) -> Crosstab:
    """``crosstab(segment codes, agree)`` from the counts: cells × (k_by + 1) × (k_item + 1)."""
    k_by, k_item = counts.shape[1] - 1, counts.shape[2] - 1
    positive = np.array([c.name in finding.positive for c in item.choices] + [False])
    answered = np.arange(k_item + 1) < k_item
    # the profile's levels among those who answered the item: a level whose members all skipped
    # it (a conditional item) would be an empty row, Pearson's X² 0/0 and the whole test lost
    by_answer = counts[:, :, answered].sum(axis=(0, 2))[:k_by]
    rows = np.flatnonzero(by_answer > 0)
    said = counts.sum(axis=(0, 1))
    columns = [v for v, ticks in ((0, ~positive), (1, positive)) if said[answered & ticks].sum()]
    nr, nc = rows.size, len(columns)
    if nr < 2 or nc < 2:
        raise ValueError("a crosstab needs two levels each way")
    agree = [
        counts[:, rows][:, :, answered & (positive if v else ~positive)].sum(axis=2)
        for v in columns
    ]
    cells = np.concatenate(agree, axis=1)  # cells × (nr · nc), rows fastest
    result = basis.shares(cells)
    table = cells.sum(axis=0).reshape(nc, nr).T
    index = np.arange(nr * nc).reshape(nc, nr).T
    row_labels = tuple(str(r) for r in rows)
    col_labels = tuple(str(v) for v in columns)
    row_shares = tuple(
        _conditional(
            basis,
            result,
            index[i],
            col_labels,
            what=f"{finding.key} among {by.name} = {row_labels[i]}",
            base=f"{by.name} = {row_labels[i]}, {finding.key} answered",
            n=int(table[i].sum()),
            level=level,
        )
        for i in range(nr)
    )
    return Crosstab(
        row_variable=by.name,
        column_variable=finding.key,
        rows=row_labels,
        columns=col_labels,
        counts=table,
        weighted=(result.p * result.weighted_n).reshape(nc, nr).T,
        row_shares=row_shares,
        column_shares=(),
        test=rao_scott(result, nr, nc, basis.degrees_of_freedom),
        n=result.n,
        weighted_n=result.weighted_n,
    )


def tallied_contrasts(
    form: Form,
    basis: Basis,
    tally: Tally,
    findings: Sequence[Finding],
    profile: Sequence[str],
    *,
    alpha: float,
    min_segment: int = MIN_SEGMENT,
) -> tuple[Contrast, ...]:
    """``contrasts`` from the tally's (item, profile question) counts on the analytic basis."""
    tests: list[_Test] = []
    for finding in findings:
        item = form.question(finding.key)
        if finding.share is None or item is None:
            continue
        for name in profile:
            by = form.question(name)
            counts = tally.pairs.get((finding.key, name))
            if by is None or name == finding.key or counts is None:
                continue
            try:
                table = _table(basis, counts, finding, item, by, 1 - alpha)
            except (StatsError, np.linalg.LinAlgError, ValueError, ZeroDivisionError):
                continue
            if np.isfinite(table.test.p_value) and len(table.columns) == 2:
                tests.append(_Test(finding, by, table))
    adjusted = holm([t.table.test.p_value for t in tests])
    kept = [_contrast(t, p, min_segment) for t, p in zip(tests, adjusted, strict=True) if p < alpha]
    return tuple(c for c in kept if c is not None)
