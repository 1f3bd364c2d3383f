"""Hedged betting bounds for yes/no answers at every look, in O(n·K) instead of O(n·grid).

log K_t(m) = sum_i log(1 + λ_i (x_i - m)). Once λ_i <= 0.05 the log is its power series in
λ_i (x_i - m) to order K, so the tail is a polynomial in m whose coefficients are cumulative
sums of λ^k over yes and no answers; the remainder is bounded and subtracted. The head (large
early bets) is tabulated on a fine grid of m and interpolated linearly, which under-states the
concave log-capital. Both keep the bounds conservative; Newton's method then solves
log K_t(m) = log(2/α) for all t at once (Waudby-Smith and Ramdas 2024, JRSS-B 86(1)).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
CUT = 0.05
ORDER = 5
HEAD_GRID = 1024
STEP = 1e-9


def _head(x: FloatArray, lam: FloatArray) -> FloatArray:
    """The head's log-capital on a grid of m (concave in m, so interpolation under-states it)."""
    grid = np.linspace(0.0, 1.0, HEAD_GRID + 1)
    values = np.zeros(grid.size)
    for start in range(0, x.size, 256):
        part = slice(start, start + 256)
        values += np.log1p(lam[None, part] * (x[None, part] - grid[:, None])).sum(axis=1)
    return values


def _power_sums(x: FloatArray, lam: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cumulative sums of λ^k over yes (A) and no (B) answers, k = 1..K, and the remainder bound."""
    yes, no = np.empty((ORDER, lam.size)), np.empty((ORDER, lam.size))
    power = np.ones_like(lam)
    for k in range(ORDER):
        power = power * lam
        np.cumsum(power * x, out=yes[k])
        np.cumsum(power, out=no[k])
        no[k] -= yes[k]
    rest = np.cumsum(power * lam) / ((ORDER + 1) * (1 - CUT))
    return yes, no, rest


def _coefficients(yes: FloatArray, no: FloatArray, rest: FloatArray, thr: float) -> FloatArray:
    """Coefficients d_j(t) of the tail's log-capital as a polynomial in m, minus the margin."""
    d = np.zeros((ORDER + 1, yes.shape[1]))
    for k in range(1, ORDER + 1):
        c = (-1.0) ** (k + 1) / k
        for j in range(k + 1):
            d[j] += c * math.comb(k, j) * (-1.0) ** j * yes[k - 1]
        d[k] += c * (-1.0) ** k * no[k - 1]
    d[0] -= rest + thr
    return d


def _value(m: FloatArray, d: FloatArray, head: FloatArray) -> tuple[FloatArray, FloatArray]:
    value, slope = d[ORDER] * m + d[ORDER - 1], d[ORDER].copy()
    for j in range(ORDER - 2, -1, -1):
        slope = slope * m + value
        value = value * m + d[j]
    grid = np.linspace(0.0, 1.0, HEAD_GRID + 1)
    index = np.clip((m * HEAD_GRID).astype(np.intp), 0, HEAD_GRID - 1)
    head_slope = (head[index + 1] - head[index]) * HEAD_GRID
    return value + np.interp(m, grid, head), slope + head_slope


def _solve(d: FloatArray, head: FloatArray, start: FloatArray) -> FloatArray:
    """Root of the decreasing, concave log-capital minus the threshold; checked conservative."""
    m = np.clip(start, 0.0, 1.0)
    for _ in range(6):
        g, slope = _value(m, d, head)
        step = g / slope
        m = np.clip(m - step, 0.0, 1.0)
        if float(np.abs(step).max()) < STEP:
            break
    below = np.maximum(m - 2 * STEP, 0.0)
    g, _ = _value(below, d, head)
    # Where m = 0 itself is not rejected the bound is 0; NaN marks the (rare) unconverged.
    unrejected = m <= 2 * STEP
    return np.where(g >= 0, below, np.where(unrejected, 0.0, np.nan))


def binary_bounds(
    x: FloatArray, lam: FloatArray, alpha: float, start: tuple[FloatArray, FloatArray]
) -> tuple[int, FloatArray, FloatArray]:
    """Lower and upper bounds for every t >= h (the first look where all bets are <= CUT)."""
    thr = math.log(2 / alpha)
    large = np.flatnonzero(lam > CUT)
    h = int(large[-1]) + 1 if large.size else 0
    yes, no, rest = _power_sums(x[h:], lam[h:])
    lower = _solve(_coefficients(yes, no, rest, thr), _head(x[:h], lam[:h]), start[0][h:])
    flipped = _coefficients(no, yes, rest, thr)
    upper = 1 - _solve(flipped, _head(1 - x[:h], lam[:h]), 1 - start[1][h:])
    return h, lower, upper
