"""Survey designs: simple random sample with FPC, stratified, one-stage cluster, weights.

The design holds what Taylor linearisation needs (Wolter 2007, *Introduction to Variance
Estimation*, ch. 6; Lumley 2010, *Complex Surveys*, §2-3): weights, the stratum and primary
sampling unit (PSU) of each row, the sampling fraction per stratum, and the calibration steps
(post-stratification, raking) whose residuals replace the influence values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from indagine.stats.categories import Categories, encode
from indagine.stats.errors import ErrorCode, StatsError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Calibration:
    """A calibration step: influence values are replaced by residuals on these margins.

    Residuals come from the regression on the margins' indicators weighted by the weights
    before calibration (Deville and Särndal 1992; as ``survey::calibrate`` and ``postStratify``).
    """

    kind: str
    margins: tuple[Categories, ...]
    weights_before: FloatArray


@dataclass(frozen=True, eq=False)
class Design:
    """A sample design: weights, strata, PSUs, sampling fractions and calibrations."""

    weights: FloatArray
    strata: Categories
    psu: IntArray
    psu_stratum: IntArray
    psu_count: IntArray
    fraction: FloatArray
    kind: str
    rows_are_psus: bool
    calibrations: tuple[Calibration, ...] = ()

    @property
    def n(self) -> int:
        """Number of rows (respondents)."""
        return int(self.weights.size)

    @property
    def degrees_of_freedom(self) -> int:
        """PSUs minus strata, as ``survey::degf``."""
        return int(self.psu_count.sum() - self.psu_count.size)

    def with_weights(self, weights: FloatArray, calibration: Calibration | None = None) -> Design:
        """The same design with new weights (and one more calibration step, if given)."""
        steps = self.calibrations + ((calibration,) if calibration is not None else ())
        return replace(self, weights=np.asarray(weights, dtype=np.float64), calibrations=steps)

    def described(self) -> str:
        """A one-line description of the design for result labels."""
        fpc = " with finite population correction" if bool(np.any(self.fraction > 0)) else ""
        steps = "".join(f", {c.kind}" for c in self.calibrations)
        return f"{self.kind}{fpc}{steps}"

    def total_weight(self) -> float:
        """The sum of the weights (the estimated population, or n when unweighted)."""
        return float(self.weights.sum())

    def fallback_n(self) -> float:
        """Kish's effective n of the rows, inflated by 1/(1 - f) for the sampling fraction: the
        n of an exact interval where the linearised variance is zero."""
        total, squares = float(self.weights.sum()), float((self.weights**2).sum())
        n_eff = total * total / squares if squares > 0 else 0.0
        with np.errstate(divide="ignore"):
            population = np.where(self.fraction > 0, self.psu_count / self.fraction, np.inf)
        f = float(self.psu_count.sum() / population.sum())
        return n_eff / (1 - f) if f < 1 else float("inf")


class DesignLike(Protocol):
    """What an interval needs to know of how the data were sampled: a row `Design`, or the
    analysis's cell tables (`indagine.analysis.basis.Basis`)."""

    @property
    def degrees_of_freedom(self) -> int: ...

    def described(self) -> str: ...

    def fallback_n(self) -> float: ...

    def total_weight(self) -> float: ...


def base_fallback_n(design: DesignLike, weighted_n: float) -> float:
    """The effective n of an exact interval for a share of `weighted_n` of the design's
    weight (the answers to one question, one group of a crosstab): the design's, in
    proportion. A share of 0 among the 9 of one group is as uncertain as 0 of 9, not of all."""
    total = design.total_weight()
    return design.fallback_n() * (min(weighted_n / total, 1.0) if total > 0 else 1.0)


def _check_length(what: str, values: npt.NDArray[Any], n: int) -> None:
    if values.shape[0] != n:
        raise StatsError(ErrorCode.LENGTH_MISMATCH, what=what, got=values.shape[0], expected=n)


def _weights(weights: Any, n: int) -> FloatArray | None:
    if weights is None:
        return None
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise StatsError(ErrorCode.BAD_WEIGHTS, detail=str(exc)) from exc
    _check_length("weights", w, n)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise StatsError(ErrorCode.BAD_WEIGHTS, detail=f"row {row} has {w[row]!r}")
    return w


def _population_per_stratum(fpc: Any, strata: Categories, n: int) -> FloatArray | None:
    """Population size (in PSUs) per stratum, from a number, a mapping or a column."""
    if fpc is None:
        return None
    if isinstance(fpc, Mapping):
        missing = [lab for lab in strata.labels if lab not in {str(k) for k in fpc}]
        if missing:
            raise StatsError(ErrorCode.BAD_FPC, detail=f"is not given for strata {missing}")
        by_label = {str(k): float(v) for k, v in fpc.items()}
        return np.array([by_label[lab] for lab in strata.labels])
    if np.ndim(fpc) == 0:
        return np.full(strata.size, float(fpc))
    column = np.asarray(fpc, dtype=np.float64)
    _check_length("fpc", column, n)
    sizes = np.full(strata.size, np.nan)
    sizes[strata.codes] = column
    if not np.array_equal(sizes[strata.codes], column):
        raise StatsError(ErrorCode.BAD_FPC, detail="must be constant within each stratum")
    return sizes


def _psus(clusters: Any, strata: Categories, n: int) -> tuple[IntArray, IntArray, bool]:
    if clusters is None:
        return np.arange(n, dtype=np.intp), strata.codes.copy(), True
    labels = encode(clusters)
    if labels.missing.any():
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="cluster identifiers must not be missing")
    # PSUs are nested in strata: a cluster label in two strata is two PSUs.
    key = strata.codes.astype(np.int64) * (labels.size + 1) + labels.codes
    uniq, psu = np.unique(key, return_inverse=True)
    return psu.astype(np.intp), (uniq // (labels.size + 1)).astype(np.intp), False


def _design_kind(strata: Any, clusters: Any) -> str:
    kinds = {
        (False, False): "simple random sample",
        (True, False): "stratified sample",
        (False, True): "one-stage cluster sample",
        (True, True): "stratified one-stage cluster sample",
    }
    return kinds[(strata is not None, clusters is not None)]


def survey_design(
    n: int | None = None,
    *,
    weights: Any = None,
    strata: Any = None,
    clusters: Any = None,
    fpc: Any = None,
) -> Design:
    """A design as ``survey::svydesign`` builds it (Lumley 2004, JSS 9(8)).

    ``fpc`` is the population size (in PSUs) of each stratum: a number, a mapping from stratum
    label to size, or a column. Without weights, weights are N_h / n_h (or 1 without ``fpc``).
    """
    columns = (weights, strata, clusters, None if isinstance(fpc, Mapping) else fpc)
    sizes = [np.shape(a)[0] for a in columns if a is not None and np.ndim(a) == 1]
    rows = n if n is not None else (sizes[0] if sizes else None)
    if rows is None:
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="give n or a column")
    stratum = (
        encode(strata) if strata is not None else Categories(np.zeros(rows, np.intp), ("all",))
    )
    _check_length("strata", stratum.codes, rows)
    if stratum.missing.any():
        row = int(np.flatnonzero(stratum.missing)[0])
        raise StatsError(ErrorCode.EMPTY_STRATUM, detail=f"row {row} has an empty stratum label")
    psu, psu_stratum, rows_are_psus = _psus(clusters, stratum, rows)
    psu_count = np.bincount(psu_stratum, minlength=stratum.size).astype(np.intp)
    empty = np.flatnonzero(psu_count == 0)
    if empty.size:
        label = stratum.labels[int(empty[0])]
        raise StatsError(ErrorCode.EMPTY_STRATUM, detail=f"stratum {label!r} has no respondents")
    population = _population_per_stratum(fpc, stratum, rows)
    fraction = np.zeros(stratum.size)
    if population is not None:
        if np.any(population < psu_count) or np.any(~np.isfinite(population)):
            raise StatsError(ErrorCode.BAD_FPC, detail="is smaller than the sample in a stratum")
        fraction = psu_count / population
    w = _weights(weights, rows)
    if w is None:
        w = np.ones(rows) if population is None else (population / psu_count)[stratum.codes]
    return Design(
        weights=w,
        strata=stratum,
        psu=psu,
        psu_stratum=psu_stratum,
        psu_count=psu_count,
        fraction=fraction,
        kind=_design_kind(strata, clusters),
        rows_are_psus=rows_are_psus,
    )
