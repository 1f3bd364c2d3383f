"""A scale item in one pass: the share of each choice, the upper-half share and the mean score.

All three are linear contrasts of the answer shares and their linearised covariance
(``indagine.stats.estimates.shares``), as ``indagine.stats.likert`` computes top-2-box and the
mean score (Lumley 2010, §2.3), but for any number of levels and any upper half: the share gets
the proportion interval (logit by default, ``svyciprop``), the mean a Wald interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indagine.stats.design import Design
from indagine.stats.estimates import Estimate, Shares, share_estimates, shares
from indagine.stats.intervals import IntervalMethod, proportion_intervals, wald

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ScaleSummary:
    distribution: tuple[Estimate, ...]
    share: Estimate
    mean: Estimate


def contrast(
    design: Design,
    result: Shares,
    weights: FloatArray,
    *,
    what: str,
    base: str,
    proportion: IntervalMethod | None,
    level: float,
) -> Estimate:
    """The estimate of weights·p with SE sqrt(wᵀ Σ w); a proportion interval or Wald."""
    estimate = float(weights @ result.p)
    se = float(np.sqrt(max(float(weights @ result.cov @ weights), 0.0)))
    if proportion is None:
        iv = wald(np.array(estimate), np.array(se), level)
    else:
        iv = proportion_intervals(
            np.array(estimate),
            np.array(se),
            method=proportion,
            level=level,
            df=design.degrees_of_freedom,
            fallback_n=design.fallback_n(),
        )
    method = f"{iv.method} interval; taylor linearisation, {design.described()}"
    return Estimate(
        what,
        estimate,
        se,
        float(iv.low),
        float(iv.high),
        level,
        method,
        result.n,
        result.weighted_n,
        base,
    )


def summarise(
    design: Design,
    codes: IntArray,
    answered: BoolArray,
    names: Sequence[str],
    scores: Sequence[float],
    positive: Sequence[str],
    *,
    what: str,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> ScaleSummary:
    """Distribution, upper-half share and mean score of codes 0..k-1 (`names`, `scores`)."""
    base = f"answered {what}"
    result = shares(design, np.where(answered, codes, 0), len(names), answered)
    distribution = share_estimates(design, result, names, what=what, base=base, ci=ci, level=level)
    upper = np.array([1.0 if name in positive else 0.0 for name in names])
    share = contrast(
        design,
        result,
        upper,
        what=f"share of {what} in {{{', '.join(positive)}}}",
        base=base,
        proportion=ci,
        level=level,
    )
    mean = contrast(
        design,
        result,
        np.asarray(scores, dtype=np.float64),
        what=f"mean score of {what}",
        base=base,
        proportion=None,
        level=level,
    )
    return ScaleSummary(distribution, share, mean)
