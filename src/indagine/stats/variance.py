"""Taylor-linearisation variance of a design-weighted estimator from its influence values.

With weighted influence values x_i = w_i z_i, PSU totals t_c and stratum h holding n_h PSUs with
sampling fraction f_h, the variance is sum_h (1 - f_h) n_h / (n_h - 1) sum_c (t_c - mean_h)^2
(Wolter 2007, eq. 6.2.1; ``survey::svyrecvar``). Calibrated designs first replace z by its
residual on the calibration margins (Deville and Särndal 1992; Lumley 2010, §7.4).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from indagine.stats.design import Calibration, Design
from indagine.stats.errors import ErrorCode, StatsError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def group_sums(codes: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Column sums of ``values`` (n x k) within each code 0..size-1."""
    columns = [np.bincount(codes, values[:, j], minlength=size) for j in range(values.shape[1])]
    return np.stack(columns, axis=1) if columns else np.zeros((size, 0))


def _stratum_scale(design: Design) -> FloatArray:
    count = design.psu_count.astype(np.float64)
    lonely = (count < 2) & (design.fraction < 1)
    if lonely.any():
        stratum = design.strata.labels[int(np.flatnonzero(lonely)[0])]
        raise StatsError(ErrorCode.LONELY_PSU, stratum=stratum)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = (1.0 - design.fraction) * count / (count - 1.0)
    return np.where(design.fraction >= 1, 0.0, scale)


def between_psus(design: Design, totals: FloatArray) -> FloatArray:
    """Covariance from PSU totals (C x k): centred within strata, scaled, summed."""
    scale = _stratum_scale(design)
    means = group_sums(design.psu_stratum, totals, design.psu_count.size)
    means /= design.psu_count[:, None]
    deviation = totals - means[design.psu_stratum]
    result: FloatArray = (deviation * scale[design.psu_stratum][:, None]).T @ deviation
    return result


def _margin_blocks(cal: Calibration) -> tuple[FloatArray, list[int]]:
    """The normal-equation matrix M'W0M of the margins' indicators, and each block's offset."""
    sizes = [m.size for m in cal.margins]
    offsets = [0, *np.cumsum(sizes).tolist()]
    gram = np.zeros((offsets[-1], offsets[-1]))
    for a, ma in enumerate(cal.margins):
        for b, mb in enumerate(cal.margins[a:], start=a):
            key = ma.codes * mb.size + mb.codes
            block = np.bincount(key, cal.weights_before, minlength=ma.size * mb.size)
            block = block.reshape(ma.size, mb.size)
            gram[offsets[a] : offsets[a + 1], offsets[b] : offsets[b + 1]] = block
            gram[offsets[b] : offsets[b + 1], offsets[a] : offsets[a + 1]] = block.T
    return gram, offsets


def _coefficients(cal: Calibration, cross: list[FloatArray]) -> list[FloatArray]:
    """Regression coefficients per margin from the blocks M_m'W0 z."""
    gram, offsets = _margin_blocks(cal)
    rhs = np.concatenate(cross, axis=0)
    if len(cal.margins) == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = np.where(np.diag(gram)[:, None] > 0, rhs / np.diag(gram)[:, None], 0.0)
    else:
        beta = np.linalg.lstsq(gram, rhs, rcond=None)[0]
    return [beta[offsets[m] : offsets[m + 1]] for m in range(len(cal.margins))]


def _residualise(cal: Calibration, x: FloatArray, weights: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(weights[:, None] > 0, x / weights[:, None], 0.0)
    w0z = z * cal.weights_before[:, None]
    cross = [group_sums(m.codes, w0z, m.size) for m in cal.margins]
    fitted = sum(
        (beta[m.codes] for beta, m in zip(_coefficients(cal, cross), cal.margins, strict=True)),
        start=np.zeros_like(z),
    )
    return (z - fitted) * weights[:, None]


def covariance(design: Design, x: FloatArray) -> FloatArray:
    """Linearised covariance (k x k) of estimators with weighted influence values x (n x k)."""
    values = x.reshape(design.n, -1)
    steps = design.calibrations
    after = [*(c.weights_before for c in steps[1:]), design.weights][: len(steps)]
    for cal, weights in zip(steps, after, strict=True):
        values = _residualise(cal, values, weights)
    if design.rows_are_psus:
        return between_psus(design, values)
    return between_psus(design, group_sums(design.psu, values, int(design.psu_count.sum())))


def _refine(cal: Calibration, groups: IntArray, table: FloatArray) -> tuple[IntArray, FloatArray]:
    """Residualise grouped influence values: groups become (group, margin levels) cells."""
    n_groups = table.shape[0]
    sizes = [m.size for m in cal.margins]
    # Dense keys (group, margin levels) and a bincount find the cells present, in the order
    # np.unique would give them, without sorting the rows.
    key = groups.astype(np.int64)
    for m in cal.margins:
        key = key * m.size + m.codes
    space = n_groups * math.prod(sizes)
    if space <= max(4 * key.size, 1 << 20):
        present = np.flatnonzero(np.bincount(key, minlength=space))
        lookup = np.zeros(space, dtype=np.intp)
        lookup[present] = np.arange(present.size)
        new_groups = lookup[key]
    else:  # too many possible cells for a dense table: sort the keys instead
        present, inverse = np.unique(key, return_inverse=True)
        new_groups = inverse.astype(np.intp)
    levels = np.unravel_index(present, (n_groups, *sizes))
    cross = []
    for m in cal.margins:
        w0 = np.bincount(m.codes * n_groups + groups, cal.weights_before, m.size * n_groups)
        cross.append(w0.reshape(m.size, n_groups) @ table)
    coefficients = _coefficients(cal, cross)
    new_table = table[levels[0]].copy()
    for beta, level in zip(coefficients, levels[1:], strict=True):
        new_table -= beta[level]
    return new_groups, new_table


def grouped_covariance(design: Design, groups: IntArray, table: FloatArray) -> FloatArray:
    """Linearised covariance when x_i = w_i * table[groups_i]: O(n) sums over groups only."""
    if len(design.calibrations) > 1:
        return covariance(design, design.weights[:, None] * table[groups])
    for cal in design.calibrations:
        groups, table = _refine(cal, groups, table)
    n_groups = table.shape[0]
    if not design.rows_are_psus:
        n_psu = int(design.psu_count.sum())
        mass = np.bincount(design.psu * n_groups + groups, design.weights, n_psu * n_groups)
        return between_psus(design, mass.reshape(n_psu, n_groups) @ table)
    scale = _stratum_scale(design)
    n_strata = design.psu_count.size
    key = design.strata.codes * n_groups + groups
    first = np.bincount(key, design.weights, n_strata * n_groups).reshape(n_strata, n_groups)
    second = np.bincount(key, design.weights**2, n_strata * n_groups)
    second = second.reshape(n_strata, n_groups)
    stratum_totals = first @ table
    spread = table.T @ (table * (scale @ second)[:, None])
    centre = stratum_totals.T @ (stratum_totals * (scale / design.psu_count)[:, None])
    result: FloatArray = spread - centre
    return result
