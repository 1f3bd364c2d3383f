"""Estimates with standard error, interval, base and method: means, totals, shares, quantiles.

Means are Hájek ratio estimators and totals Horvitz-Thompson sums, with Taylor-linearisation
variances (Lumley 2010, *Complex Surveys*, §2.3, §3.1; ``survey::svymean``/``svytotal``).
Estimates for a segment are domain estimates on the full design (``survey::svyby``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from indagine.stats.categories import Categories, encode
from indagine.stats.design import Design, DesignLike, base_fallback_n
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.intervals import IntervalMethod, proportion_intervals, wald
from indagine.stats.variance import covariance, grouped_covariance

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Estimate:
    """One estimate, what it is of, its base and how it was computed."""

    what: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    method: str
    n: int
    weighted_n: float
    base: str = "all respondents"
    excluded: tuple[tuple[str, int], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        data = asdict(self)
        data["excluded"] = dict(self.excluded)
        return data


@dataclass(frozen=True)
class Distribution:
    """Shares of each answer of an item, with the base they are shares of."""

    what: str
    shares: tuple[Estimate, ...]
    n: int
    weighted_n: float
    base: str
    excluded: tuple[tuple[str, int], ...]

    def share(self, label: str) -> Estimate:
        """The share of one answer."""
        return next(s for s in self.shares if s.what.endswith(f" = {label}"))


@dataclass(frozen=True)
class Segmented:
    """One result per segment (domain estimates on the full design)."""

    segment: str
    results: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, eq=False)
class Shares:
    """Cell shares of categorical codes, their covariance and base (shared by the modules)."""

    p: FloatArray
    cov: FloatArray
    n: int
    weighted_n: float


def domain_mask(design: Design, domain: Any) -> BoolArray:
    """The rows in the domain (all rows when ``domain`` is None)."""
    if domain is None:
        return np.ones(design.n, dtype=bool)
    mask = np.asarray(domain, dtype=bool)
    if mask.shape != (design.n,):
        raise StatsError(ErrorCode.LENGTH_MISMATCH, what="domain", got=mask.size, expected=design.n)
    return mask


def numeric(values: Any, what: str) -> FloatArray:
    """Values as floats, NaN where missing; a clear error when they are not numbers."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(ErrorCode.NON_NUMERIC, column=what, example=str(exc)) from exc


def _method(design: Design, interval: str) -> str:
    return f"{interval} interval; taylor linearisation, {design.described()}"


def mean(
    design: Design, y: Any, *, what: str = "y", domain: Any = None, level: float = 0.95
) -> Estimate:
    """Weighted mean with linearised SE and normal interval (``survey::svymean``)."""
    values = numeric(y, what)
    base = domain_mask(design, domain) & ~np.isnan(values)
    w = np.where(base, design.weights, 0.0)
    total_w = float(w.sum())
    if total_w <= 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    estimate = float(np.dot(w, np.where(base, values, 0.0)) / total_w)
    influence = w * np.where(base, values - estimate, 0.0) / total_w
    se = float(np.sqrt(covariance(design, influence[:, None])[0, 0]))
    ci = wald(np.array(estimate), np.array(se), level)
    skipped = int((domain_mask(design, domain) & np.isnan(values)).sum())
    return Estimate(
        f"mean of {what}",
        estimate,
        se,
        float(ci.low),
        float(ci.high),
        level,
        _method(design, "wald"),
        int(base.sum()),
        total_w,
        f"answered {what}",
        (("skipped", skipped),) if skipped else (),
    )


def total(
    design: Design, y: Any, *, what: str = "y", domain: Any = None, level: float = 0.95
) -> Estimate:
    """Weighted (Horvitz-Thompson) total with linearised SE (``survey::svytotal``)."""
    values = numeric(y, what)
    base = domain_mask(design, domain) & ~np.isnan(values)
    w = np.where(base, design.weights, 0.0)
    contribution = w * np.where(base, values, 0.0)
    estimate = float(contribution.sum())
    se = float(np.sqrt(covariance(design, contribution[:, None])[0, 0]))
    ci = wald(np.array(estimate), np.array(se), level)
    return Estimate(
        f"total of {what}",
        estimate,
        se,
        float(ci.low),
        float(ci.high),
        level,
        _method(design, "wald"),
        int(base.sum()),
        float(w.sum()),
        f"answered {what}",
    )


def shares(design: Design, codes: IntArray, size: int, base: BoolArray) -> Shares:
    """Shares of codes 0..size-1 among the base, with their linearised covariance."""
    w = np.where(base, design.weights, 0.0)
    counts = np.bincount(np.where(base, codes, size), w, minlength=size + 1)[:size]
    total_w = float(counts.sum())
    if total_w <= 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what="the shares")
    p = counts / total_w
    table = np.vstack([(np.eye(size) - p) / total_w, np.zeros((1, size))])
    groups = np.where(base, codes, size).astype(np.intp)
    return Shares(p, grouped_covariance(design, groups, table), int(base.sum()), total_w)


def share_estimates(
    design: DesignLike,
    result: Shares,
    labels: Sequence[str],
    *,
    what: str,
    base: str,
    ci: IntervalMethod,
    level: float,
) -> tuple[Estimate, ...]:
    """One Estimate per share of `result`, with intervals by the chosen method: from a row
    design or from the analysis's cell tables alike."""
    se = np.sqrt(np.maximum(np.diag(result.cov), 0.0))
    iv = proportion_intervals(
        result.p,
        se,
        method=ci,
        level=level,
        df=design.degrees_of_freedom,
        fallback_n=base_fallback_n(design, result.weighted_n),
    )
    method = f"{iv.method} interval; taylor linearisation, {design.described()}"
    return tuple(
        Estimate(
            f"{what} = {label}",
            float(result.p[j]),
            float(se[j]),
            float(iv.low[j]),
            float(iv.high[j]),
            level,
            method,
            result.n,
            result.weighted_n,
            base,
        )
        for j, label in enumerate(labels)
    )


def excluded_counts(
    answers: Categories, raw: Categories, mask: BoolArray, dropped: Sequence[str]
) -> tuple[tuple[str, int], ...]:
    """How many of `mask` gave each answer `dropped` from the base, and how many skipped."""
    counts = [(label, int((mask & (raw.codes == raw.code_of(label))).sum())) for label in dropped]
    skipped = int((mask & raw.missing).sum())
    return (*[(lab, c) for lab, c in counts if c], *((("skipped", skipped),) if skipped else ()))


def proportions(
    design: Design,
    answers: Any,
    *,
    what: str = "item",
    levels: Sequence[str] | None = None,
    not_answers: Sequence[str] = ("don't know", "prefer not to say"),
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Distribution:
    """Share of each choice of a single-choice item; "don't know", skipped out of the base."""
    raw = encode(answers)
    dropped = [lab for lab in raw.labels if lab in set(not_answers)]
    kept = [lab for lab in (levels or raw.labels) if lab not in dropped]
    coded = encode(answers, kept)
    mask = domain_mask(design, domain)
    base = mask & ~coded.missing
    excluded = excluded_counts(coded, raw, mask, dropped)
    base_text = f"answered {what}" + (", excluding " + ", ".join(dropped) if dropped else "")
    result = shares(design, coded.codes, coded.size, base)
    estimates = share_estimates(
        design, result, coded.labels, what=what, base=base_text, ci=ci, level=level
    )
    estimates = tuple(Estimate(**{**e.__dict__, "excluded": excluded}) for e in estimates)
    return Distribution(what, estimates, result.n, result.weighted_n, base_text, excluded)


def multiple_choice(
    design: Design,
    selected: Mapping[str, Any],
    *,
    what: str = "item",
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Distribution:
    """Share of respondents choosing each option; rows with every option missing are skipped."""
    labels = list(selected)
    matrix = np.column_stack([numeric(selected[lab], f"{what}/{lab}") for lab in labels])
    mask = domain_mask(design, domain)
    answered = ~np.isnan(matrix).all(axis=1)
    base = mask & answered
    w = np.where(base, design.weights, 0.0)
    total_w = float(w.sum())
    if total_w <= 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    chosen = np.where(base[:, None], np.nan_to_num(matrix) > 0, False).astype(np.float64)
    p = w @ chosen / total_w
    influence = w[:, None] * (chosen - p) * base[:, None] / total_w
    result = Shares(p, covariance(design, influence), int(base.sum()), total_w)
    base_text = f"answered {what}"
    estimates = share_estimates(
        design, result, labels, what=what, base=base_text, ci=ci, level=level
    )
    skipped = int((mask & ~answered).sum())
    excluded = (("skipped", skipped),) if skipped else ()
    return Distribution(what, estimates, result.n, result.weighted_n, base_text, excluded)


def quantile(
    design: Design,
    y: Any,
    q: float,
    *,
    what: str = "y",
    domain: Any = None,
    level: float = 0.95,
) -> Estimate:
    """Weighted quantile (smallest y with F(y) >= q), Woodruff (1952) interval (``svyquantile``)."""
    values = numeric(y, what)
    base = domain_mask(design, domain) & ~np.isnan(values)
    w = np.where(base, design.weights, 0.0)
    total_w = float(w.sum())
    if total_w <= 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    order = np.argsort(np.where(base, values, np.inf), kind="stable")[: int(base.sum())]
    cumulative = np.cumsum(w[order]) / total_w
    sorted_y = values[order]

    def inverse(prob: float) -> float:
        index = int(np.searchsorted(cumulative, min(max(prob, 0.0), 1.0) - 1e-12))
        return float(sorted_y[min(index, sorted_y.size - 1)])

    estimate = inverse(q)
    below = ((values <= estimate) & base).astype(np.float64)
    share = float(np.dot(w, below) / total_w)
    influence = w * (below - share) / total_w
    se_p = float(np.sqrt(covariance(design, influence[:, None])[0, 0]))
    ci = wald(np.array(share), np.array(se_p), level, df=design.degrees_of_freedom)
    low, high = inverse(float(ci.low)), inverse(float(ci.high))
    z = (float(ci.high) - share) / se_p if se_p > 0 else 1.0
    return Estimate(
        f"quantile {q:g} of {what}",
        estimate,
        (high - low) / (2 * z),
        low,
        high,
        level,
        _method(design, "woodruff"),
        int(base.sum()),
        total_w,
        f"answered {what}",
    )


def by_segment(
    estimator: Callable[..., Any],
    design: Design,
    segment: Any,
    *args: Any,
    segment_name: str = "segment",
    **kwargs: Any,
) -> Segmented:
    """Run an estimator once per segment as a domain of the full design (``survey::svyby``)."""
    groups = encode(segment)
    results = []
    for code, label in enumerate(groups.labels):
        result = estimator(design, *args, domain=groups.codes == code, **kwargs)
        results.append((label, result))
    return Segmented(segment_name, tuple(results))
