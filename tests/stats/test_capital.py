"""The power-series betting bounds for yes/no data agree with exact root finding, conservatively."""

from __future__ import annotations

import numpy as np

from indagine.stats.capital import binary_bounds
from indagine.stats.sequences import (
    _grid_bounds,
    _root_bounds,
    betting,
    normal_mixture,
    predictable_bets,
)


def test_series_bounds_are_exact_to_1e_6_and_never_narrower():
    rng = np.random.default_rng(8)
    x = (rng.random(30_000) < 0.23).astype(float)
    lam = predictable_bets(x, 0.05)
    start = normal_mixture(x)
    h, low, high = binary_bounds(x, lam, 0.05, (start.lower, start.upper))
    assert 500 < h < 5000
    for t in [h + 1, 4000, 12_345, 30_000]:
        exact_low, exact_high = _root_bounds(x, lam, 0.05, t)
        assert low[t - 1 - h] <= exact_low <= low[t - 1 - h] + 1e-6
        assert high[t - 1 - h] - 1e-6 <= exact_high <= high[t - 1 - h]


def test_every_look_on_long_yes_no_data_is_at_least_as_tight_as_the_grid():
    rng = np.random.default_rng(2)
    x = (rng.random(9000) < 0.6).astype(float)
    fast = betting(x)
    lam = predictable_bets(x, 0.05)
    grid_low, grid_high = _grid_bounds(x, lam, 0.05, None, 512)
    slow_low, slow_high = np.maximum.accumulate(grid_low), np.minimum.accumulate(grid_high)
    assert np.all(fast.lower >= slow_low - 1e-12) and np.all(fast.upper <= slow_high + 1e-12)
    assert np.all(fast.lower - slow_low <= 2 / 512) and np.all(slow_high - fast.upper <= 2 / 512)
