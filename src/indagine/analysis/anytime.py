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

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indagine.stats import sequences
from indagine.stats.sequences import ConfidenceSequence

from .findings import Bound, Side

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


def _sequence(unit: FloatArray, values: FloatArray, how: Sampling) -> ConfidenceSequence | None:
    n = values.size
    large = how.exact_up_to is not None and n > how.exact_up_to
    if how.weights is not None or large or not np.all(np.isfinite(unit)):
        if n < 2:
            return None
        return sequences.asymptotic(values, how.weights, alpha=how.alpha)
    if how.population is not None and how.population >= n:
        return sequences.betting_without_replacement(unit, how.population, alpha=how.alpha)
    return sequences.betting(unit, alpha=how.alpha)


def anytime_bound(
    values: FloatArray,
    how: Sampling,
    *,
    threshold: float,
    scale: tuple[float, float] | None = (0.0, 1.0),
) -> tuple[Bound | None, Side | None]:
    """The sequence's bound at the last look (running intersection when exact), and its side
    of `threshold`. `values` are in order of arrival; `scale` their possible range (None:
    unbounded, which only the asymptotic sequence can take)."""
    if values.size == 0:
        return None, None
    low, high = scale if scale is not None else (np.nan, np.nan)
    span = high - low
    inside = scale is not None and span > 0 and bool(np.all((values >= low) & (values <= high)))
    unit = (values - low) / span if inside else np.full(values.size, np.nan)
    sequence = _sequence(unit, values, how)
    if sequence is None:
        return None, None
    rescaled = not sequence.asymptotic
    cut = (threshold - low) / span if rescaled else threshold
    side = sequences.consolidated(sequence, cut).side if np.isfinite(cut) else None
    lower, upper = float(sequence.lower[-1]), float(sequence.upper[-1])
    if rescaled:
        lower, upper = low + lower * span, low + upper * span
    return Bound(lower, upper, sequence.method, sequence.asymptotic), side
