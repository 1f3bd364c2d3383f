"""Confidence intervals for means and proportions (vectorised over arrays of estimates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special, stats

from indagine.stats.errors import ErrorCode, StatsError

FloatArray = npt.NDArray[np.float64]
IntervalMethod = Literal["wilson", "clopper-pearson", "logit", "wald"]
METHODS: tuple[IntervalMethod, ...] = ("wilson", "clopper-pearson", "logit", "wald")


@dataclass(frozen=True, eq=False)
class Intervals:
    """Lower and upper limits, the method that produced them, and the effective n used."""

    low: FloatArray
    high: FloatArray
    method: str
    effective_n: FloatArray


def critical_value(level: float, df: float = np.inf) -> float:
    """Two-sided normal quantile, or Student's t with ``df`` degrees of freedom."""
    if not 0 < level < 1:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail=f"level must be in (0, 1), got {level}")
    upper = 1 - (1 - level) / 2
    return float(stats.norm.ppf(upper) if not np.isfinite(df) else stats.t.ppf(upper, df))


def wald(estimate: FloatArray, se: FloatArray, level: float, df: float = np.inf) -> Intervals:
    """Estimate ± z·SE (normal, as ``confint(svymean(...))``; t when ``df`` is finite)."""
    q = critical_value(level, df)
    est, s = np.asarray(estimate, dtype=np.float64), np.asarray(se, dtype=np.float64)
    return Intervals(est - q * s, est + q * s, "wald", np.full(est.shape, np.nan))


def effective_n(p: FloatArray, variance: FloatArray, fallback: FloatArray) -> FloatArray:
    """Effective sample size p(1-p)/Var(p) (Kish 1965, n/deff); ``fallback`` where undefined."""
    p, variance = np.asarray(p, dtype=np.float64), np.asarray(variance, dtype=np.float64)
    inner = (p > 0) & (p < 1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        n_eff = np.where(variance > 0, p * (1 - p) / variance, np.inf)
    return np.where(inner, n_eff, np.broadcast_to(fallback, p.shape))


def wilson(p: FloatArray, n_eff: FloatArray, level: float) -> Intervals:
    """Wilson (1927) score interval with the effective n in place of n (Kish design effect)."""
    z = critical_value(level)
    p, n = np.asarray(p, dtype=np.float64), np.asarray(n_eff, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        k = np.where(np.isfinite(n), z * z / n, 0.0)
        centre = (p + k / 2) / (1 + k)
        half = np.sqrt(np.maximum(k * p * (1 - p) + k * k / 4, 0.0)) / (1 + k)
    low = np.clip(np.nan_to_num(centre - half, nan=0.0), 0, 1)
    high = np.clip(np.nan_to_num(centre + half, nan=1.0), 0, 1)
    return Intervals(np.minimum(low, p), np.maximum(high, p), "wilson", n)


def clopper_pearson(p: FloatArray, n_eff: FloatArray, level: float) -> Intervals:
    """Clopper and Pearson (1934) exact interval on x = p·n_eff successes of n_eff trials."""
    alpha = 1 - level
    p, n = np.asarray(p, dtype=np.float64), np.asarray(n_eff, dtype=np.float64)
    x = p * n
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(p > 0, special.betaincinv(x, n - x + 1, alpha / 2), 0.0)
        high = np.where(p < 1, special.betaincinv(x + 1, n - x, 1 - alpha / 2), 1.0)
    census = ~np.isfinite(n)
    low = np.where(census, p, np.nan_to_num(low, nan=0.0))
    high = np.where(census, p, np.nan_to_num(high, nan=1.0))
    return Intervals(np.minimum(low, p), np.maximum(high, p), "clopper-pearson", n)


def logit(p: FloatArray, se: FloatArray, level: float, df: float, n_eff: FloatArray) -> Intervals:
    """Logit interval of ``survey::svyciprop(method="logit")``: expit(logit p ± t·SE/(p(1-p))).

    At p = 0 or 1 the logit is undefined; there the Clopper-Pearson limits on n_eff are used.
    """
    q = critical_value(level, df)
    p, s = np.asarray(p, dtype=np.float64), np.asarray(se, dtype=np.float64)
    inner = (p > 0) & (p < 1)
    safe = np.where(inner, p, 0.5)
    with np.errstate(over="ignore", divide="ignore"):  # p within 1e-300 of 0: the interval is
        half = q * s / (safe * (1 - safe))  # infinitely wide on the logit scale, 0..1 below
    centre = special.logit(safe)
    low, high = special.expit(centre - half), special.expit(centre + half)
    if not bool(np.all(inner)):  # the Clopper-Pearson limits only where they are used
        fallback = clopper_pearson(p, n_eff, level)
        low, high = np.where(inner, low, fallback.low), np.where(inner, high, fallback.high)
    return Intervals(
        np.minimum(low, p),
        np.maximum(high, p),
        "logit",
        np.asarray(n_eff, dtype=np.float64),
    )


def proportion_intervals(
    p: FloatArray,
    se: FloatArray,
    *,
    method: IntervalMethod,
    level: float,
    df: float,
    fallback_n: float,
) -> Intervals:
    """Intervals for proportions by the named method, using the design's effective n."""
    n_eff = effective_n(p, np.asarray(se) ** 2, np.asarray(fallback_n))
    if method == "wilson":
        return wilson(p, n_eff, level)
    if method == "clopper-pearson":
        return clopper_pearson(p, n_eff, level)
    if method == "logit":
        return logit(p, se, level, df, n_eff)
    if method == "wald":
        return wald(p, se, level)
    raise StatsError(ErrorCode.BAD_ARGUMENT, detail=f"unknown interval method {method!r}")
