"""Likert items: distribution, top-2-box, bottom-2-box, net agreement and mean score.

All five come from the covariance of the answer shares as linear contrasts (Taylor
linearisation, Lumley 2010, §2.3); answers outside the scale ("don't know") and skipped
questions are kept out of the base and counted (Heiberger and Robbins 2014, JSS 57(5)).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from indagine.stats.categories import encode
from indagine.stats.design import Design, DesignLike, base_fallback_n
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import (
    Estimate,
    Shares,
    domain_mask,
    share_estimates,
    shares,
)
from indagine.stats.intervals import IntervalMethod, proportion_intervals, wald

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class LikertSummary:
    """The summaries of one Likert item, all on the same base."""

    what: str
    distribution: tuple[Estimate, ...]
    top2: Estimate
    bottom2: Estimate
    net: Estimate
    mean: Estimate
    n: int
    weighted_n: float
    base: str
    excluded: tuple[tuple[str, int], ...]


def linear_contrast(
    design: DesignLike,
    result: Shares,
    weights: FloatArray,
    *,
    what: str,
    base: str,
    proportion: IntervalMethod | None,
    level: float,
) -> Estimate:
    """weights·p with SE sqrt(wᵀ Σ w) (Lumley 2010, §2.3): a proportion interval, or Wald for
    a score. From a row design or from the analysis's cell tables alike."""
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
            fallback_n=base_fallback_n(design, result.weighted_n),
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


def likert(
    design: Design,
    answers: Any,
    scale: Sequence[str],
    *,
    what: str = "item",
    scores: Sequence[float] | None = None,
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> LikertSummary:
    """Summaries of a Likert item on ``scale`` (low to high); other answers leave the base."""
    if len(scale) < 4:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="a Likert scale needs at least 4 levels")
    values = np.arange(1, len(scale) + 1, dtype=np.float64) if scores is None else scores
    score = np.asarray(values, dtype=np.float64)
    coded = encode(answers, scale)
    raw = encode(answers)
    mask = domain_mask(design, domain)
    outside = [lab for lab in raw.labels if lab not in scale]
    excluded = tuple(
        (lab, int((mask & (raw.codes == raw.code_of(lab))).sum())) for lab in outside
    ) + ((("skipped", int((mask & raw.missing).sum())),) if (mask & raw.missing).any() else ())
    base = f"answered {what} on its scale" + (
        ", excluding " + ", ".join(outside) if outside else ""
    )
    result = shares(design, coded.codes, coded.size, mask & ~coded.missing)
    k = len(scale)
    top, bottom = np.zeros(k), np.zeros(k)
    top[-2:], bottom[:2] = 1.0, 1.0

    def contrast(weights: FloatArray, label: str, proportion: IntervalMethod | None) -> Estimate:
        return linear_contrast(
            design,
            result,
            weights,
            what=f"{label} of {what}",
            base=base,
            proportion=proportion,
            level=level,
        )

    distribution = share_estimates(
        design, result, coded.labels, what=what, base=base, ci=ci, level=level
    )
    return LikertSummary(
        what=what,
        distribution=tuple(Estimate(**{**e.__dict__, "excluded": excluded}) for e in distribution),
        top2=contrast(top, "top-2-box", ci),
        bottom2=contrast(bottom, "bottom-2-box", ci),
        net=contrast(top - bottom, "net agreement", None),
        mean=contrast(score, "mean score", None),
        n=result.n,
        weighted_n=result.weighted_n,
        base=base,
        excluded=excluded,
    )
