"""Anytime-valid confidence sequences for interim looks, and the "consolidated" decision.

A confidence sequence (C_t) covers the true mean at every sample size at once with probability
1 - alpha, so fieldwork can be watched after every response. Bounds are intersected over the
looks (a running intersection keeps the guarantee and makes the sequence monotone).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import optimize

from indagine.stats.capital import binary_bounds
from indagine.stats.errors import ErrorCode, StatsError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
TRUNCATION = 0.5
GRID = 512
CHUNK = 2048
FAST_FROM = 4096


@dataclass(frozen=True, eq=False)
class ConfidenceSequence:
    """Bounds at each look (sample size n), valid at all looks at once with level 1 - alpha."""

    n: IntArray
    estimate: FloatArray
    lower: FloatArray
    upper: FloatArray
    alpha: float
    method: str
    asymptotic: bool

    def at(self, n: int) -> tuple[float, float]:
        """The interval at sample size ``n`` (one of the looks)."""
        index = int(np.searchsorted(self.n, n))
        if index >= self.n.size or self.n[index] != n:
            raise StatsError(ErrorCode.BAD_ARGUMENT, detail=f"n = {n} is not one of the looks")
        return float(self.lower[index]), float(self.upper[index])


@dataclass(frozen=True)
class Consolidation:
    """Whether the sequence lies entirely on one side of the threshold, and since when."""

    threshold: float
    side: Literal["above", "below"] | None
    since_n: int | None
    n: int
    lower: float
    upper: float
    method: str

    @property
    def consolidated(self) -> bool:
        """True when the finding can no longer flip at this level."""
        return self.side is not None


def _unit_data(x: Any) -> FloatArray:
    values = np.asarray(x, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what="the sequence")
    if np.any(~np.isfinite(values)) or values.min() < 0 or values.max() > 1:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="sequence values must lie in [0, 1]")
    return values


def _looks(looks: Any, n: int, first: int = 1) -> IntArray:
    if looks is None:
        return np.arange(first, n + 1, dtype=np.intp)
    chosen = np.unique(np.asarray(looks, dtype=np.intp))
    if chosen.size == 0 or chosen[0] < 1 or chosen[-1] > n:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail=f"looks must lie in 1..{n}")
    return chosen


def _sequence(
    t: IntArray,
    est: FloatArray,
    low: FloatArray,
    high: FloatArray,
    alpha: float,
    method: str,
    *,
    asymptotic: bool = False,
    bounds: tuple[float, float] = (0.0, 1.0),
) -> ConfidenceSequence:
    """Clip to the data's range; exact sequences are also intersected over the looks."""
    low = np.clip(np.nan_to_num(low, nan=bounds[0]), *bounds)
    high = np.clip(np.nan_to_num(high, nan=bounds[1]), *bounds)
    if not asymptotic:
        low, high = np.maximum.accumulate(low), np.minimum.accumulate(high)
    return ConfidenceSequence(t, est, low, np.maximum(high, low), alpha, method, asymptotic)


def normal_mixture(
    x: Any, *, alpha: float = 0.05, target_n: int | None = None, looks: Any = None
) -> ConfidenceSequence:
    """Two-sided normal-mixture CS for [0,1] data, V_t = t/4 (Howard et al. 2021, AoS 49(2)).

    |S_t| < sqrt((V_t + ρ)(log(1 + V_t/ρ) + 2 log(1/α))); ρ tuned for ``target_n``.
    """
    values = _unit_data(x)
    n = values.size
    v_opt = (target_n or n) / 4
    log_term = 2 * np.log(1 / alpha)
    rho = v_opt / (log_term + np.log(1 + log_term))
    t = np.arange(1, n + 1, dtype=np.float64)
    v = t / 4
    radius = np.sqrt((v + rho) * (np.log(1 + v / rho) + log_term)) / t
    mean = np.cumsum(values) / t
    chosen = _looks(looks, n)
    seq = _sequence(np.arange(1, n + 1), mean, mean - radius, mean + radius, alpha, "")
    index = chosen - 1
    return _sequence(
        chosen,
        mean[index],
        seq.lower[index],
        seq.upper[index],
        alpha,
        "normal-mixture confidence sequence (Howard et al. 2021)",
    )


def predictable_bets(x: FloatArray, alpha: float) -> FloatArray:
    """Predictable plug-in bets λ_t (Waudby-Smith and Ramdas 2024, JRSS-B 86(1))."""
    t = np.arange(1, x.size + 1, dtype=np.float64)
    mu = (0.5 + np.cumsum(x)) / (t + 1)
    mu_before = np.concatenate([[0.5], mu[:-1]])
    var = (0.25 + np.cumsum((x - mu_before) ** 2)) / (t + 1)
    var_before = np.concatenate([[0.25], var[:-1]])
    lam: FloatArray = np.sqrt(2 * math.log(2 / alpha) / (var_before * t * np.log(1 + t)))
    return np.minimum(lam, TRUNCATION)


def _grid_bounds(
    x: FloatArray, lam: FloatArray, alpha: float, centre: FloatArray | None, size: int
) -> tuple[FloatArray, FloatArray]:
    """Hedged-capital bounds at every t on a grid of candidate means (conservative to 1/size).

    ``centre`` (G x n) gives the mean of the units still to be drawn for each candidate
    (sampling without replacement); None means sampling with replacement.
    """
    grid = np.linspace(0.0, 1.0, size + 1)
    threshold = np.log(2 / alpha)
    up, down = np.zeros(grid.size), np.zeros(grid.size)
    lower, upper = np.empty(x.size), np.empty(x.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, x.size, CHUNK):
            part = slice(start, min(start + CHUNK, x.size))
            m = grid[:, None] if centre is None else centre[:, part]
            diff = x[None, part] - m
            bet_up = np.minimum(lam[None, part], TRUNCATION / m)
            bet_down = np.minimum(lam[None, part], TRUNCATION / (1 - m))
            impossible = np.cumsum((m < 0) | (m > 1), axis=1) > 0
            log_up = up[:, None] + np.cumsum(np.log1p(np.clip(bet_up * diff, -0.99, None)), axis=1)
            log_down = down[:, None] + np.cumsum(
                np.log1p(np.clip(-bet_down * diff, -0.99, None)), axis=1
            )
            up, down = log_up[:, -1], log_down[:, -1]
            keep_up = (log_up < threshold) & ~impossible
            keep_down = (log_down < threshold) & ~impossible
            first = np.argmax(keep_up, axis=0)
            last = size - np.argmax(keep_down[::-1], axis=0)
            lower[part] = grid[np.maximum(first - 1, 0)]
            upper[part] = grid[np.minimum(last + 1, size)]
    return lower, upper


def _root_bounds(x: FloatArray, lam: FloatArray, alpha: float, t: int) -> tuple[float, float]:
    """Exact hedged-capital bounds at one look by root finding (each side is monotone in m)."""
    threshold = math.log(2 / alpha)
    xs, bets = x[:t], lam[:t]

    def log_up(m: float) -> float:
        bet = np.minimum(bets, TRUNCATION / m) if m > 0 else bets
        return float(np.log1p(bet * (xs - m)).sum()) - threshold

    def log_down(m: float) -> float:
        bet = np.minimum(bets, TRUNCATION / (1 - m)) if m < 1 else bets
        return float(np.log1p(-bet * (xs - m)).sum()) - threshold

    lower = 0.0 if log_up(0.0) < 0 else float(optimize.brentq(log_up, 0.0, 1.0, xtol=1e-10))
    upper = 1.0 if log_down(1.0) < 0 else float(optimize.brentq(log_down, 0.0, 1.0, xtol=1e-10))
    return lower, upper


def _binary_every_look(
    x: FloatArray, lam: FloatArray, alpha: float, grid: int
) -> tuple[FloatArray, FloatArray]:
    """Bounds at every look for yes/no data: a grid while bets are large, then the series."""
    start = normal_mixture(x, alpha=alpha)
    h, tail_low, tail_high = binary_bounds(x, lam, alpha, (start.lower, start.upper))
    head_low, head_high = _grid_bounds(x[:h], lam[:h], alpha, None, grid)
    low, high = np.concatenate([head_low, tail_low]), np.concatenate([head_high, tail_high])
    for k in np.flatnonzero(np.isnan(low) | np.isnan(high)):
        low[k], high[k] = _root_bounds(x, lam, alpha, int(k) + 1)
    return low, high


def betting(
    x: Any, *, alpha: float = 0.05, looks: Any = None, grid: int = GRID
) -> ConfidenceSequence:
    """Hedged betting CS for the mean of [0,1] data (Waudby-Smith and Ramdas 2024, JRSS-B 86(1)).

    Up to 32 chosen looks are solved exactly by root finding; otherwise every look is computed on
    a grid of candidate means (conservative by at most 1/grid) or, for long yes/no sequences,
    by the power-series method of ``capital.binary_bounds`` (conservative by about 1e-9).
    """
    values = _unit_data(x)
    lam = predictable_bets(values, alpha)
    chosen = _looks(looks, values.size)
    t = chosen.astype(np.float64)
    mean = np.cumsum(values)[chosen - 1] / t
    binary = values.size > FAST_FROM and bool(np.all((values == 0) | (values == 1)))
    if looks is not None and chosen.size <= 32:
        bounds = np.array([_root_bounds(values, lam, alpha, int(k)) for k in chosen])
        low, high = bounds[:, 0], bounds[:, 1]
    elif binary:
        low, high = (b[chosen - 1] for b in _binary_every_look(values, lam, alpha, grid))
    else:
        low, high = (b[chosen - 1] for b in _grid_bounds(values, lam, alpha, None, grid))
    method = "hedged betting confidence sequence (Waudby-Smith and Ramdas 2024)"
    return _sequence(chosen, mean, low, high, alpha, method)


def betting_without_replacement(
    x: Any, population_size: int, *, alpha: float = 0.05, looks: Any = None, grid: int = GRID
) -> ConfidenceSequence:
    """Hedged betting CS for the mean of a finite panel sampled without replacement.

    Waudby-Smith and Ramdas (2020), NeurIPS 33: bets on x_t minus the mean of the units not
    yet drawn; the width goes to zero when the whole panel has answered.
    """
    values = _unit_data(x)
    n, big = values.size, int(population_size)
    if big < n:
        raise StatsError(ErrorCode.BAD_FPC, detail=f"{big} is smaller than the sample ({n})")
    lam = predictable_bets(values, alpha)
    before = np.concatenate([[0.0], np.cumsum(values)[:-1]])
    remaining = big - np.arange(n, dtype=np.float64)
    candidates = np.linspace(0.0, 1.0, grid + 1)
    centre = (big * candidates[:, None] - before[None, :]) / remaining[None, :]
    low, high = _grid_bounds(values, lam, alpha, centre, grid)
    chosen = _looks(looks, n)
    seen = np.cumsum(values)[chosen - 1]
    sure_low, sure_high = seen / big, (seen + big - chosen) / big
    t = chosen.astype(np.float64)
    return _sequence(
        chosen,
        seen / t,
        np.maximum(low[chosen - 1], sure_low),
        np.minimum(high[chosen - 1], sure_high),
        alpha,
        f"hedged betting confidence sequence without replacement, panel of {big} "
        "(Waudby-Smith and Ramdas 2020)",
    )


def asymptotic(
    y: Any,
    weights: Any = None,
    *,
    alpha: float = 0.05,
    target_n: int | None = None,
    looks: Any = None,
) -> ConfidenceSequence:
    """Asymptotic CS for a (weighted) mean (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas 2024, AoS).

    μ̂_t ± σ̂_t sqrt(2(tρ²+1)/(t²ρ²) log(sqrt(tρ²+1)/α)), σ̂_t² = t·Var(μ̂_t) from the weighted
    (Hájek) linearisation; ρ tuned for ``target_n``. Asymptotic (labelled so), not intersected.
    """
    values = np.asarray(y, dtype=np.float64)
    w = np.ones(values.size) if weights is None else np.asarray(weights, dtype=np.float64)
    if values.size < 2 or w.shape != values.shape:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="need two values and one weight each")
    t = np.arange(1, values.size + 1, dtype=np.float64)
    sw, swy = np.cumsum(w), np.cumsum(w * values)
    s2, s2y, s2yy = np.cumsum(w**2), np.cumsum(w**2 * values), np.cumsum(w**2 * values**2)
    mean = swy / sw
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.maximum(s2yy - 2 * mean * s2y + mean**2 * s2, 0.0) / sw**2 * t / (t - 1)
    sigma = np.sqrt(t * spread)
    log_term = -2 * np.log(alpha)
    rho2 = (log_term + np.log(1 + log_term)) / (target_n or values.size)
    radius = sigma * np.sqrt(
        2 * (t * rho2 + 1) / (t**2 * rho2) * np.log(np.sqrt(t * rho2 + 1) / alpha)
    )
    chosen = _looks(looks, values.size, first=2)
    span = (float(values.min()), float(values.max()))
    index = chosen - 1
    return _sequence(
        chosen,
        mean[index],
        mean[index] - radius[index],
        mean[index] + radius[index],
        alpha,
        "asymptotic confidence sequence (Waudby-Smith et al. 2024), weighted",
        asymptotic=True,
        bounds=span,
    )


def consolidated(sequence: ConfidenceSequence, threshold: float) -> Consolidation:
    """Is the sequence wholly above or below ``threshold`` at its last look, and since when."""
    low, high = float(sequence.lower[-1]), float(sequence.upper[-1])
    side: Literal["above", "below"] | None = None
    since: int | None = None
    if low > threshold:
        side, since = "above", int(sequence.n[np.argmax(sequence.lower > threshold)])
    elif high < threshold:
        side, since = "below", int(sequence.n[np.argmax(sequence.upper < threshold)])
    return Consolidation(threshold, side, since, int(sequence.n[-1]), low, high, sequence.method)
