"""Confidence sequences: time-uniform coverage by simulation, and the consolidated decision."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from indagine.stats.sequences import (
    asymptotic,
    betting,
    betting_without_replacement,
    consolidated,
    normal_mixture,
    predictable_bets,
)

ALPHA = 0.05


def wilson_misses(data: np.ndarray, truth: float, start: int) -> np.ndarray:
    """For each run (row), does a 95% Wilson interval miss the truth at some n >= start?"""
    z = stats.norm.ppf(1 - ALPHA / 2)
    t = np.arange(1, data.shape[1] + 1)
    p = np.cumsum(data, axis=1) / t
    centre = (p + z * z / (2 * t)) / (1 + z * z / t)
    half = z * np.sqrt(p * (1 - p) / t + z * z / (4 * t * t)) / (1 + z * z / t)
    miss = (truth < centre - half) | (truth > centre + half)
    return miss[:, start - 1 :].any(axis=1)


def test_sequences_cover_at_every_look_while_a_monitored_wilson_interval_does_not():
    rng = np.random.default_rng(2024)
    truth, runs, n, start = 0.3, 200, 1000, 10
    data = (rng.random((runs, n)) < truth).astype(float)
    wilson = wilson_misses(data, truth, start).mean()
    misses = {"betting": 0, "normal mixture": 0}
    for row in data:
        for name, cs in (("betting", betting(row)), ("normal mixture", normal_mixture(row))):
            low, high = cs.lower[start - 1 :], cs.upper[start - 1 :]
            misses[name] += bool(((truth < low) | (truth > high)).any())
    assert misses["betting"] / runs <= ALPHA
    assert misses["normal mixture"] / runs <= ALPHA
    assert wilson >= 0.25  # "about half of the runs": far above alpha
    assert wilson > 5 * max(misses.values()) / runs


def test_without_replacement_covers_the_panel_mean_and_closes_at_the_census():
    rng = np.random.default_rng(7)
    panel = (rng.random(400) < 0.4).astype(float)
    truth = panel.mean()
    missed = 0
    for _ in range(60):
        order = rng.permutation(panel)
        cs = betting_without_replacement(order, panel.size)
        missed += bool(((truth < cs.lower) | (truth > cs.upper)).any())
    assert missed / 60 <= ALPHA
    assert cs.lower[-1] == pytest.approx(truth) and cs.upper[-1] == pytest.approx(truth)
    wr = betting(order)
    assert cs.upper[299] - cs.lower[299] < wr.upper[299] - wr.lower[299]


def test_exact_looks_solve_the_hedged_capital_equation():
    rng = np.random.default_rng(3)
    x = rng.beta(2, 5, 800)
    lam = predictable_bets(x, ALPHA)
    every = betting(x)
    chosen = betting(x, looks=[50, 200, 800])
    for k, n in enumerate([50, 200, 800]):
        low, high = chosen.at(n)
        bet_up = np.minimum(lam[:n], 0.5 / low)
        bet_down = np.minimum(lam[:n], 0.5 / (1 - high))
        # At the bounds, the hedged capital (1/2)K± reaches 1/alpha exactly.
        assert np.log1p(bet_up * (x[:n] - low)).sum() == pytest.approx(np.log(2 / ALPHA))
        assert np.log1p(-bet_down * (x[:n] - high)).sum() == pytest.approx(np.log(2 / ALPHA))
        assert abs(low - every.lower[n - 1]) < 0.02 and abs(high - every.upper[n - 1]) < 0.02
        assert chosen.estimate[k] == pytest.approx(x[:n].mean())


def test_sequences_are_wider_than_a_fixed_n_interval_but_not_absurdly():
    rng = np.random.default_rng(9)
    x = (rng.random(1000) < 0.5).astype(float)
    fixed = 2 * 1.96 * np.sqrt(0.25 / 1000)
    for cs in (betting(x), normal_mixture(x)):
        width = cs.upper[-1] - cs.lower[-1]
        assert fixed < width < 2.5 * fixed


def test_asymptotic_sequence_is_labelled_and_covers_a_weighted_mean():
    rng = np.random.default_rng(4)
    missed = 0
    for _ in range(100):
        w = rng.uniform(1, 3, 2000)
        y = rng.normal(10, 2, 2000)
        cs = asymptotic(y, w, looks=np.arange(50, 2001))
        missed += bool(((cs.lower > 10) | (cs.upper < 10)).any())
    assert cs.asymptotic and "asymptotic" in cs.method
    assert missed / 100 <= ALPHA


def test_consolidated_says_which_side_and_since_when():
    rng = np.random.default_rng(1)
    x = (rng.random(1500) < 0.62).astype(float)
    cs = betting(x)
    above = consolidated(cs, 0.5)
    assert above.consolidated and above.side == "above"
    assert above.since_n is not None and 10 < above.since_n < 1500
    assert cs.lower[above.since_n - 1] > 0.5 >= cs.lower[above.since_n - 2]
    assert consolidated(cs, 0.8).side == "below"
    undecided = consolidated(cs, 0.62)
    assert not undecided.consolidated and undecided.since_n is None
