"""The anytime-valid bound of one quantity at the current n, and whether it is consolidated.

Which confidence sequence (``indagine.stats.sequences``) fits the data:
- unweighted answers from a panel of known size, asked of everyone: hedged betting without
  replacement (Waudby-Smith and Ramdas 2020), the panel being the members not known to have
  skipped the question;
- other unweighted answers (no panel size, or a conditional base whose size in the panel is
  unknown): hedged betting (Waudby-Smith and Ramdas 2024);
- weighted answers, values without known bounds, or more answers than `exact_up_to`: the
  asymptotic sequence (Waudby-Smith et al. 2024), labelled asymptotic.
Betting needs values in [0, 1]: a bounded scale is rescaled, and the bound mapped back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indagine.stats import sequences
from indagine.stats.sequences import ConfidenceSequence

from .findings import Bound, Moments, Side

FloatArray = npt.NDArray[np.float64]
EXACT_UP_TO = 20_000
"""Above this many answers, sequences are asymptotic: exact betting costs O(grid × n)."""


@dataclass(frozen=True)
class Sampling:
    """What the sequence may assume about how the answers were drawn."""

    weights: FloatArray | None  # None: unweighted
    population: int | None  # members the answers are a without-replacement sample of
    alpha: float
    exact_up_to: int | None = EXACT_UP_TO


ASYMPTOTIC = "asymptotic confidence sequence (Waudby-Smith et al. 2024)"


def asymptotic_at_end(
    values: FloatArray, weights: FloatArray | None, alpha: float
) -> tuple[float, float]:
    """``sequences.asymptotic`` at its last look only, from five sums instead of running
    sums over every look: μ̂ ± σ̂ sqrt(2(nρ²+1)/(n²ρ²) log(sqrt(nρ²+1)/α)), ρ tuned for n,
    clipped to the data's range (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas 2024, AoS)."""
    w = np.ones(values.size) if weights is None else weights
    sw, swy = float(w.sum()), float(w @ values)
    w2 = w * w
    s2, s2y, s2yy = float(w2.sum()), float(w2 @ values), float(w2 @ (values * values))
    sums = Moments(values.size, sw, swy, s2, s2y, s2yy, float(values.min()), float(values.max()))
    return asymptotic_from_sums(sums, alpha)


def asymptotic_from_sums(sums: Moments, alpha: float) -> tuple[float, float]:
    """``asymptotic_at_end`` from the sums (so from a tally, without the rows)."""
    n, sw, swy = float(sums.n), sums.sw, sums.swy
    s2, s2y, s2yy = sums.s2, sums.s2y, sums.s2yy
    mean = swy / sw
    spread = max(s2yy - 2 * mean * s2y + mean * mean * s2, 0.0) / (sw * sw) * n / (n - 1)
    sigma = math.sqrt(n * spread)
    log_term = -2 * math.log(alpha)
    rho2 = (log_term + math.log(1 + log_term)) / n
    radius = sigma * math.sqrt(
        2 * (n * rho2 + 1) / (n * n * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )
    low, high = sums.low, sums.high
    return min(max(mean - radius, low), high), min(max(mean + radius, low), high)


def _exact(unit: FloatArray, how: Sampling) -> ConfidenceSequence:
    if how.population is not None and how.population >= unit.size:
        return sequences.betting_without_replacement(unit, how.population, alpha=how.alpha)
    return sequences.betting(unit, alpha=how.alpha)


def _side(lower: float, upper: float, threshold: float) -> Side | None:
    if lower > threshold:
        return "above"
    if upper < threshold:
        return "below"
    return None


def anytime_bound(
    values: FloatArray,
    how: Sampling,
    *,
    threshold: float,
    scale: tuple[float, float] | None = (0.0, 1.0),
) -> tuple[Bound | None, Side | None]:
    """The sequence's bound at the last look (running intersection when exact), and its side
    of `threshold` (none when the threshold is NaN). `values` are in order of arrival; `scale`
    their possible range (None: unbounded, which only the asymptotic sequence can take)."""
    if values.size == 0:
        return None, None
    low, high = scale if scale is not None else (math.nan, math.nan)
    span = high - low
    inside = scale is not None and span > 0 and bool(np.all((values >= low) & (values <= high)))
    large = how.exact_up_to is not None and values.size > how.exact_up_to
    if how.weights is not None or large or not inside:
        if values.size < 2:
            return None, None
        lower, upper = asymptotic_at_end(values, how.weights, how.alpha)
        method = ASYMPTOTIC + (", weighted" if how.weights is not None else "")
        return Bound(lower, upper, method, asymptotic=True), _side(lower, upper, threshold)
    sequence = _exact((values - low) / span, how)
    lower, upper = low + float(sequence.lower[-1]) * span, low + float(sequence.upper[-1]) * span
    side = None
    if math.isfinite(threshold):
        side = sequences.consolidated(sequence, (threshold - low) / span).side
    return Bound(lower, upper, sequence.method), side


def bound_from_sums(
    sums: Moments,
    ordered: FloatArray | None,
    how: Sampling,
    *,
    weighted: bool,
    threshold: float,
    scale: tuple[float, float] | None,
) -> tuple[Bound | None, Side | None]:
    """``anytime_bound`` from a tally: the asymptotic sequence from the sums, an exact one
    from `ordered` (the values in order of arrival, kept while at most `exact_up_to`)."""
    if sums.n == 0:
        return None, None
    low, high = scale if scale is not None else (math.nan, math.nan)
    span = high - low
    inside = scale is not None and span > 0 and sums.low >= low and sums.high <= high
    large = how.exact_up_to is not None and sums.n > how.exact_up_to
    if weighted or large or not inside:
        if sums.n < 2:
            return None, None
        lower, upper = asymptotic_from_sums(sums, how.alpha)
        method = ASYMPTOTIC + (", weighted" if weighted else "")
        return Bound(lower, upper, method, asymptotic=True), _side(lower, upper, threshold)
    if ordered is None:
        raise ValueError("an exact sequence needs the values in order of arrival")
    return anytime_bound(ordered, how, threshold=threshold, scale=scale)
