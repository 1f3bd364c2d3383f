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
from indagine.stats.crosstab import Crosstab, crosstab
from indagine.stats.design import Design
from indagine.stats.errors import StatsError

from .columns import Columns
from .findings import Contrast, Finding

BoolArray = npt.NDArray[np.bool_]
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


def _test(
    design: Design, columns: Columns, finding: Finding, item: Question, by: Question, level: float
) -> _Test | None:
    codes = columns.codes(item)
    answered = codes >= 0
    positive = np.isin(codes, [i for i, c in enumerate(item.choices) if c.name in finding.positive])
    agree = np.where(answered, positive.astype(np.float64), np.nan)
    segment = columns.codes(by).astype(np.float64)
    segment[segment < 0] = np.nan
    try:
        table = crosstab(
            design, segment, agree, names=(by.name, finding.key), ci="logit", level=level
        )
    except (StatsError, np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        return None  # one level only, or a singular design: nothing to test
    if not np.isfinite(table.test.p_value) or len(table.columns) != 2:
        return None
    return _Test(finding, by, table)


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


def contrasts(
    form: Form,
    design: Design,
    columns: Columns,
    findings: Sequence[Finding],
    profile: Sequence[str],
    *,
    alpha: float,
    min_segment: int = MIN_SEGMENT,
) -> tuple[Contrast, ...]:
    """The significant contrasts of every scale finding across every profile question."""
    tests: list[_Test] = []
    for finding in findings:
        item = form.question(finding.key)
        if finding.share is None or item is None:
            continue
        for name in profile:
            by = form.question(name)
            if by is None or name == finding.key:
                continue
            test = _test(design, columns, finding, item, by, 1 - alpha)
            if test is not None:
                tests.append(test)
    adjusted = holm([t.table.test.p_value for t in tests])
    kept = [_contrast(t, p, min_segment) for t, p in zip(tests, adjusted, strict=True) if p < alpha]
    return tuple(c for c in kept if c is not None)
