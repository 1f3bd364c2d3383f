"""Weighting: raking, post-stratification, trimming, and Kish's design effect of weighting.

Raking is iterative proportional fitting (Deming and Stephan 1940) run on the table of weighted
totals of the margins' cross-classification, so each sweep costs the number of cells, not rows.
The calibrated design keeps the margins so that variances use calibration residuals
(``survey::calibrate(calfun="raking")``, ``survey::postStratify``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from indagine.stats.categories import Categories, encode
from indagine.stats.design import Calibration, Design
from indagine.stats.errors import ErrorCode, RakingError, StatsError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Calibrated:
    """A design with calibrated weights and the report of how the calibration went."""

    design: Design
    method: str
    iterations: int
    converged: bool
    max_error: float
    margins: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Trimmed:
    """A design with trimmed weights: how many were capped and in how many passes."""

    design: Design
    trimmed: int
    iterations: int


@dataclass(frozen=True)
class WeightingEffect:
    """Kish's design effect due to weighting, 1 + CV², and the effective sample size."""

    n: int
    deff: float
    effective_n: float
    cv: float


def weighting_effect(weights: Any) -> WeightingEffect:
    """Kish (1965, §11.7): deff = n Σw² / (Σw)² = 1 + CV², effective n = (Σw)² / Σw²."""
    w = np.asarray(weights, dtype=np.float64)
    w = w[w > 0]
    total, squares = float(w.sum()), float((w**2).sum())
    if w.size == 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what="the weights")
    deff = w.size * squares / (total * total)
    return WeightingEffect(
        int(w.size), deff, total * total / squares, float(np.sqrt(max(deff - 1, 0.0)))
    )


def margin_codes(variable: str, values: Any, population: Mapping[str, float]) -> Categories:
    """The margin's codes in the population's level order; clear errors when levels differ."""
    levels = [str(level) for level in population]
    raw = encode(values)
    unknown = [lab for lab in raw.labels if lab not in levels]
    if raw.missing.any():
        unknown.append("(missing)")
    if unknown:
        raise StatsError(ErrorCode.MARGIN_MISMATCH, variable=variable, levels=unknown)
    coded = encode(values, levels)
    present = np.bincount(coded.codes, minlength=coded.size) > 0
    empty = [lab for lab, ok in zip(levels, present, strict=True) if not ok and population[lab]]
    if empty:
        raise StatsError(ErrorCode.MARGIN_EMPTY, variable=variable, levels=empty)
    return coded


def margin_targets(population: Mapping[str, Mapping[str, float]]) -> list[FloatArray]:
    """Each margin's population counts in its level order; MARGIN_TOTALS when totals differ."""
    targets = [np.array([float(v) for v in m.values()]) for m in population.values()]
    totals = [float(t.sum()) for t in targets]
    if max(totals) - min(totals) > 1e-9 * max(totals):
        raise StatsError(ErrorCode.MARGIN_TOTALS, totals=dict(zip(population, totals, strict=True)))
    return targets


def _cells(margins: list[Categories]) -> tuple[IntArray, IntArray]:
    """Cell of each row in the margins' cross-classification, and each cell's level per margin."""
    shape = tuple(m.size for m in margins)
    key = np.ravel_multi_index(tuple(m.codes for m in margins), shape)
    cells, cell_of_row = np.unique(key, return_inverse=True)
    levels = np.stack(np.unravel_index(cells, shape), axis=0).astype(np.intp)
    return cell_of_row.astype(np.intp), levels


def fit_margins(
    table: FloatArray, levels: IntArray, targets: list[FloatArray], tol: float, max_iter: int
) -> tuple[FloatArray, int, float]:
    """IPF on cell totals (Deming and Stephan 1940): the factor of each cell, the iterations
    used, and the final margin error relative to the total. `levels`: margins × cells."""
    factor = np.ones_like(table)
    scale = float(targets[0].sum())
    error = np.inf
    for iteration in range(1, max_iter + 1):
        for m, target in enumerate(targets):
            current = np.bincount(levels[m], table * factor, minlength=target.size)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor *= np.where(current > 0, target / current, 0.0)[levels[m]]
        error = max(
            float(np.abs(np.bincount(levels[m], table * factor, target.size) - target).max())
            for m, target in enumerate(targets)
        )
        if error <= tol * scale:
            return factor, iteration, error / scale
    return factor, max_iter, error / scale


def rake(
    design: Design,
    data: Mapping[str, Any],
    population: Mapping[str, Mapping[str, float]],
    *,
    tolerance: float = 1e-10,
    max_iterations: int = 100,
) -> Calibrated:
    """Rake weights to population margins (Deming-Stephan IPF); RakingError if not converged."""
    missing = [v for v in population if v not in data]
    if missing:
        raise StatsError(ErrorCode.MISSING_COLUMN, column=missing[0])
    margins = [margin_codes(v, data[v], population[v]) for v in population]
    targets = margin_targets(population)
    cell_of_row, levels = _cells(margins)
    table = np.bincount(cell_of_row, design.weights, levels.shape[1]).astype(np.float64)
    factor, iterations, error = fit_margins(table, levels, targets, tolerance, max_iterations)
    if error > tolerance:
        raise RakingError(ErrorCode.RAKING_NOT_CONVERGED, iterations=iterations, gap=error)
    weights = design.weights * factor[cell_of_row]
    step = Calibration("raking", tuple(margins), design.weights)
    return Calibrated(
        design.with_weights(weights, step), "raking", iterations, True, error, tuple(population)
    )


def post_stratify(
    design: Design, variable: str, values: Any, population: Mapping[str, float]
) -> Calibrated:
    """Post-stratify: weights in each group scaled to its population count (Holt and Smith 1979)."""
    coded = margin_codes(variable, values, population)
    target = np.array([float(v) for v in population.values()])
    current = np.bincount(coded.codes, design.weights, minlength=coded.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(current > 0, target / current, 0.0)
    weights = design.weights * ratio[coded.codes]
    step = Calibration("post-stratification", (coded,), design.weights)
    return Calibrated(
        design.with_weights(weights, step), "post-stratification", 1, True, 0.0, (variable,)
    )


def trim(
    design: Design,
    *,
    upper: float | None = None,
    lower: float | None = None,
    max_iterations: int = 50,
) -> Trimmed:
    """Cap weights at bounds and spread the excess over the others, total kept (``trimWeights``)."""
    w = design.weights.copy()
    total = float(w.sum())
    high = np.inf if upper is None else upper
    low = 0.0 if lower is None else lower
    if low > high or (upper is not None and upper * np.count_nonzero(w) < total):
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="trimming bounds cannot keep the total")
    capped = np.zeros(w.size, dtype=bool)
    for iteration in range(1, max_iterations + 1):
        outside = (w > high * (1 + 1e-12)) | (w < low * (1 - 1e-12))
        if not outside.any():
            return Trimmed(design.with_weights(w), int(capped.sum()), iteration - 1)
        capped |= outside
        w = np.clip(w, low, high)
        free = ~capped & (w > 0)
        w[free] *= (total - w[~free].sum()) / w[free].sum()
    return Trimmed(design.with_weights(w), int(capped.sum()), max_iterations)
