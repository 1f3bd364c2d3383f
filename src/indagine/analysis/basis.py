"""The design of an analysis from its tally: weights per raking cell and linearised covariances.

A member survey is a simple random sample of n from a panel of N (each row weighing N/n, with
the finite population correction 1 - n/N) or, without N, of weight 1; raked or post-stratified
to the panel's composition, every row of a cell of the margins' cross-classification gets the
same weight, so the calibration (``stats.weighting``) runs on the cells. The Taylor-linearised
covariance of an estimator whose influence value is z_i (k-vector) on row i is

    scale · (Σ_i w_i² r_i r_iᵀ - (Σ_i w_i r_i)(Σ_i w_i r_i)ᵀ / n),  scale = (1 - f) n / (n - 1),

with r_i = z_i minus its fitted value on the margins' indicators (weights before calibration;
Deville and Särndal 1992, Lumley 2010 §7.4), which is constant in a cell. So with the cell sums
Σz and Σzzᵀ, everything is a function of per-cell tables: the same numbers as
``stats.variance.covariance``/``grouped_covariance`` on the rows, up to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indagine.forms.model import Form, QuestionType
from indagine.stats import weighting
from indagine.stats.errors import ErrorCode, RakingError, StatsError
from indagine.stats.estimates import Estimate, Shares
from indagine.stats.intervals import wald

from .tally import CountArray, Tally

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
TOLERANCE = 1e-10
MAX_ITERATIONS = 100


@dataclass(frozen=True, eq=False)
class Basis:
    """Weights per cell, the calibration's margins and the variance's scale."""

    n: int
    rows: FloatArray  # rows per cell
    weights: FloatArray  # the weight of a row in each cell
    before: float  # every row's weight before calibration
    levels: IntArray  # margins × cells: each cell's level (population order)
    sizes: tuple[int, ...]  # levels per margin
    calibration: str  # "", "raking" or "post-stratification"
    fraction: float  # n / N, 0 without N

    @property
    def degrees_of_freedom(self) -> int:
        return self.n - 1

    def described(self) -> str:
        """As ``Design.described``: the design and its calibration."""
        fpc = " with finite population correction" if self.fraction > 0 else ""
        step = f", {self.calibration}" if self.calibration else ""
        return f"simple random sample{fpc}{step}"

    def total_weight(self) -> float:
        """As ``Design.total_weight``: the sum of the weights over the rows."""
        return float(self.rows @ self.weights)

    def fallback_n(self) -> float:
        """As ``Design.fallback_n``: Kish's effective n inflated by 1/(1 - f)."""
        total = float(self.rows @ self.weights)
        squares = float(self.rows @ (self.weights * self.weights))
        n_eff = total * total / squares if squares > 0 else 0.0
        return n_eff / (1 - self.fraction) if self.fraction < 1 else math.inf

    def effective_n(self) -> float:
        """``weighting.weighting_effect(weights).effective_n``: (Σw)² / Σw² over w > 0."""
        kept = (self.weights > 0) & (self.rows > 0)
        if not kept.any():
            raise StatsError(ErrorCode.EMPTY_BASE, what="the weights")
        rows, w = self.rows[kept], self.weights[kept]
        total, squares = float(rows @ w), float(rows @ (w * w))
        return total * total / squares

    def _scale(self) -> float:
        if self.n < 2 and self.fraction < 1:
            raise StatsError(ErrorCode.LONELY_PSU, stratum="all")
        if self.fraction >= 1:
            return 0.0
        return (1.0 - self.fraction) * self.n / (self.n - 1.0)

    def _fitted(self, sz: FloatArray) -> FloatArray:
        """Each cell's fitted influence on the margins' indicators (weights before)."""
        mass = self.before * self.rows
        offsets = [0, *np.cumsum(self.sizes).tolist()]
        total = offsets[-1]
        gram = np.zeros((total, total))
        for a, size_a in enumerate(self.sizes):
            for b in range(a, len(self.sizes)):
                key = self.levels[a] * self.sizes[b] + self.levels[b]
                block = np.bincount(key, mass, size_a * self.sizes[b]).reshape(size_a, -1)
                gram[offsets[a] : offsets[a + 1], offsets[b] : offsets[b + 1]] = block
                gram[offsets[b] : offsets[b + 1], offsets[a] : offsets[a + 1]] = block.T
        rhs = np.concatenate(
            [
                np.stack(
                    [np.bincount(lev, self.before * sz[:, j], size) for j in range(sz.shape[1])],
                    axis=1,
                )
                for lev, size in zip(self.levels, self.sizes, strict=True)
            ],
            axis=0,
        )
        if len(self.sizes) == 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                beta = np.where(np.diag(gram)[:, None] > 0, rhs / np.diag(gram)[:, None], 0.0)
        else:
            beta = np.linalg.lstsq(gram, rhs, rcond=None)[0]
        fitted = np.zeros_like(sz)
        for m, lev in enumerate(self.levels):
            fitted += beta[offsets[m] : offsets[m + 1]][lev]
        return fitted

    def covariance(
        self,
        answered: FloatArray,
        means: FloatArray,
        scatter: FloatArray,
        centre: FloatArray,
        total: float,
        *,
        weightless: bool = True,
    ) -> FloatArray:
        """Linearised covariance of the weighted means `centre` (k) of vectors v, from each
        cell's answered rows, mean of v and scatter Σ(v - v̄_c)(v - v̄_c)ᵀ; z = (v - centre)/W
        where answered, 0 elsewhere, residualised on the margins.

        Written as within-cell scatter plus the cell's offset, so that a residual that is
        zero (an item that is a margin) stays zero. `weightless=False`: rows of weight 0 have
        no influence (``variance.covariance`` divides x by w); True keeps them in the fit
        (``variance.grouped_covariance``)."""
        scale = self._scale()
        w = self.weights
        offset = np.where(answered[:, None] > 0, means - centre, 0.0) / total
        if not weightless:
            offset = offset * (w > 0)[:, None]
        fitted = (
            self._fitted(answered[:, None] * offset) if self.calibration else np.zeros_like(offset)
        )
        d = offset - fitted
        idle = self.rows - answered
        totals = w @ (answered[:, None] * d - idle[:, None] * fitted)
        spread = (
            scatter / (total * total)
            + answered[:, None, None] * d[:, :, None] * d[:, None, :]
            + idle[:, None, None] * fitted[:, :, None] * fitted[:, None, :]
        )
        result: FloatArray = np.einsum("c,cij->ij", scale * w * w, spread) - np.outer(
            totals, totals
        ) * (scale / self.n)
        return result

    def shares(self, counts: CountArray) -> Shares:
        """Shares of k answers from their counts per cell (cells × k), as ``estimates.shares``."""
        c = counts.astype(np.float64)
        answered = c.sum(axis=1)
        weighted = self.weights @ c
        total = float(weighted.sum())
        if total <= 0:
            raise StatsError(ErrorCode.EMPTY_BASE, what="the shares")
        p = weighted / total
        return self._moments(answered, c, _diagonal(c), p, total)

    def ticked(
        self, answered: CountArray, sums: CountArray, cross: CountArray, *, weightless: bool
    ) -> Shares:
        """Shares of respondents ticking each of k choices (``multiple.ticked_shares``, or
        ``estimates.multiple_choice`` with `weightless` False)."""
        a, s = answered.astype(np.float64), sums.astype(np.float64)
        total = float(self.weights @ a)
        if total <= 0:
            raise StatsError(ErrorCode.EMPTY_BASE, what="the shares")
        p = (self.weights @ s) / total
        return self._moments(a, s, cross.astype(np.float64), p, total, weightless=weightless)

    def _moments(
        self,
        a: FloatArray,
        s: FloatArray,
        q: FloatArray,
        p: FloatArray,
        total: float,
        *,
        weightless: bool = True,
    ) -> Shares:
        """Covariance of means p of vectors v with per-cell count a, Σv = s and Σvvᵀ = q."""
        safe = np.where(a > 0, a, 1.0)
        means = s / safe[:, None]
        scatter = q - s[:, :, None] * s[:, None, :] / safe[:, None, None]
        cov = self.covariance(a, means, scatter, p, total, weightless=weightless)
        return Shares(p, cov, int(a.sum()), total)

    def mean(
        self, answered: CountArray, total: FloatArray, scatter: FloatArray
    ) -> tuple[float, float, float]:
        """Weighted mean, its linearised SE and the weighted n (``estimates.mean``), from
        each cell's answered rows, Σy and Σ(y - ȳ_c)²."""
        a = answered.astype(np.float64)
        weight = float(self.weights @ a)
        if weight <= 0:
            raise StatsError(ErrorCode.EMPTY_BASE, what="the mean")
        estimate = float(self.weights @ total) / weight
        means = (total / np.where(a > 0, a, 1.0))[:, None]
        cov = self.covariance(
            a, means, scatter[:, None, None], np.array([estimate]), weight, weightless=False
        )
        return estimate, float(np.sqrt(cov[0, 0])), weight


def _diagonal(c: FloatArray) -> FloatArray:
    out = np.zeros((*c.shape, c.shape[1]))
    index = np.arange(c.shape[1])
    out[:, index, index] = c
    return out


# -- building the basis


def _margin_levels(
    form: Form, tally: Tally, margins: Mapping[str, Mapping[str, float]]
) -> tuple[list[IntArray], list[dict[str, float]]]:
    """Each tally cell's level per margin in the population's order (-1: none), as ``_weigh``
    and ``weighting.margin_codes`` check them."""
    if tuple(margins) != tally.plan.margins:
        raise ValueError(f"the tally has cells of {tally.plan.margins}, not of {tuple(margins)}")
    slots = np.unravel_index(np.arange(tally.rows.size), tally.shape)
    levels, populations = [], []
    for m, (name, counts) in enumerate(margins.items()):
        question = form.question(name)
        if question is None or question.type is not QuestionType.SELECT_ONE:
            raise ValueError(f"margin {name!r} is not a single-choice question of the form")
        names = [c.name for c in question.choices]
        unknown = [c for c in counts if c not in names]
        if unknown:
            raise ValueError(f"margin {name!r} names choices the question lacks: {unknown}")
        order = [names.index(c) for c in counts]
        lookup = np.full(len(names) + 1, -1, dtype=np.intp)
        lookup[order] = np.arange(len(order))
        levels.append(lookup[slots[m]])
        populations.append({str(names.index(c)): float(v) for c, v in counts.items()})
    return levels, populations


def _check_margins(
    margins: Sequence[str],
    tally: Tally,
    levels: list[IntArray],
    populations: list[dict[str, float]],
) -> None:
    """MARGIN_MISMATCH for answers outside the population or missing; MARGIN_EMPTY for levels
    of the population nobody in the sample has."""
    slots = np.unravel_index(np.arange(tally.rows.size), tally.shape)
    for m, name in enumerate(margins):
        present = np.bincount(slots[m], tally.rows, tally.shape[m]) > 0
        k = tally.shape[m] - 1
        unknown = [str(s) for s in range(k) if present[s] and levels[m][slots[m] == s][0] < 0]
        if present[k]:
            unknown.append("(missing)")
        if unknown:
            raise StatsError(ErrorCode.MARGIN_MISMATCH, variable=name, levels=unknown)
        size = len(populations[m])
        held = np.bincount(levels[m][levels[m] >= 0], tally.rows[levels[m] >= 0], size) > 0
        empty = [
            label
            for (label, target), ok in zip(populations[m].items(), held, strict=True)
            if not ok and target
        ]
        if empty:
            raise StatsError(ErrorCode.MARGIN_EMPTY, variable=name, levels=empty)


def basis(
    form: Form,
    tally: Tally,
    *,
    panel_size: int | None,
    margins: Mapping[str, Mapping[str, float]] | None,
) -> Basis:
    """The design of the tallied rows: SRS (with FPC given N), calibrated to the margins."""
    n = tally.n
    fraction, before = 0.0, 1.0
    if panel_size is not None:
        if panel_size < n:
            raise StatsError(ErrorCode.BAD_FPC, detail="is smaller than the sample in a stratum")
        fraction, before = n / panel_size, panel_size / n
    rows = tally.rows.astype(np.float64)
    weights = np.full(rows.size, before)
    if not margins:
        return Basis(n, rows, weights, before, np.zeros((0, rows.size), np.intp), (), "", fraction)
    levels, populations = _margin_levels(form, tally, margins)
    _check_margins(list(margins), tally, levels, populations)
    sizes = tuple(len(p) for p in populations)
    safe = np.stack([np.maximum(lev, 0) for lev in levels])
    if len(populations) == 1:
        target = np.array(list(populations[0].values()))
        current = np.bincount(safe[0], before * rows, sizes[0])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(current > 0, target / current, 0.0)
        return Basis(
            n, rows, before * ratio[safe[0]], before, safe, sizes, "post-stratification", fraction
        )
    targets = weighting.margin_targets(dict(zip(margins, populations, strict=True)))
    present = np.flatnonzero(rows > 0)
    order = np.argsort(np.ravel_multi_index(tuple(safe[:, present]), sizes), kind="stable")
    present = present[order]
    factor, iterations, error = weighting.fit_margins(
        before * rows[present], safe[:, present], targets, TOLERANCE, MAX_ITERATIONS
    )
    if error > TOLERANCE:
        raise RakingError(ErrorCode.RAKING_NOT_CONVERGED, iterations=iterations, gap=error)
    weights = np.zeros(rows.size)
    weights[present] = before * factor
    return Basis(n, rows, weights, before, safe, sizes, "raking", fraction)


# -- estimates


def _method(basis: Basis, interval: str) -> str:
    return f"{interval} interval; taylor linearisation, {basis.described()}"


def mean_estimate(
    basis: Basis,
    answered: CountArray,
    total: FloatArray,
    scatter: FloatArray,
    *,
    what: str,
    skipped: int,
    level: float,
) -> Estimate:
    """The weighted mean of a number with its Wald interval (``estimates.mean``)."""
    estimate, se, weight = basis.mean(answered, total, scatter)
    ci = wald(np.array(estimate), np.array(se), level)
    return Estimate(
        f"mean of {what}",
        estimate,
        se,
        float(ci.low),
        float(ci.high),
        level,
        _method(basis, "wald"),
        int(answered.sum()),
        weight,
        f"answered {what}",
        (("skipped", skipped),) if skipped else (),
    )
