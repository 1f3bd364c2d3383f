"""A multiple choice in one grouped pass: the share of respondents ticking each choice.

The same estimates as ``indagine.stats.estimates.multiple_choice`` (influence values
w_i (ticked_ij - p_j) / W over the answered base), computed from each respondent's tick pattern
(k choices: at most 2^k groups) with ``variance.grouped_covariance``, so a calibrated design
costs O(n) sums instead of an n × k residual regression.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from indagine.stats.design import Design
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import Distribution, Shares, share_estimates
from indagine.stats.intervals import IntervalMethod
from indagine.stats.variance import grouped_covariance

FloatArray = npt.NDArray[np.float64]
MAX_CHOICES = 16
"""Beyond this many choices the patterns (2^k) are too many: the engine's own pass is used."""


def ticked_shares(
    design: Design,
    matrix: FloatArray,
    names: Sequence[str],
    *,
    what: str,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Distribution:
    """Shares of respondents ticking each choice; `matrix` is n × k of 1/0, NaN unanswered."""
    k = len(names)
    answered = ~np.isnan(matrix).all(axis=1)
    ticks = np.nan_to_num(matrix) > 0
    patterns = ticks.astype(np.int64) @ (1 << np.arange(k, dtype=np.int64))
    present, groups = np.unique(np.where(answered, patterns, -1), return_inverse=True)
    w = np.where(answered, design.weights, 0.0)
    total_w = float(w.sum())
    if total_w <= 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    chosen = ((present[:, None] >> np.arange(k)) & 1).astype(np.float64)
    mass = np.bincount(groups, w, minlength=present.size)
    p = mass @ chosen / total_w
    table = (chosen - p) / total_w
    table[present < 0] = 0.0  # unanswered rows: no influence
    cov = grouped_covariance(design, groups.astype(np.intp), table)
    result = Shares(p, cov, int(answered.sum()), total_w)
    base = f"answered {what}"
    shares = share_estimates(design, result, names, what=what, base=base, ci=ci, level=level)
    skipped = int((~answered).sum())
    excluded = (("skipped", skipped),) if skipped else ()
    return Distribution(what, shares, result.n, result.weighted_n, base, excluded)
