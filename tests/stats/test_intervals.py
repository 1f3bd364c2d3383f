"""Proportion intervals: known values, bounds, and coverage at a fixed n by simulation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indagine.stats.design import survey_design
from indagine.stats.estimates import proportions
from indagine.stats.intervals import METHODS, clopper_pearson, proportion_intervals, wilson


def test_wilson_and_clopper_pearson_known_values():
    # 3 of 10: R gives prop.test(3, 10, correct = FALSE) and binom.test(3, 10) intervals.
    w = wilson(np.array(0.3), np.array(10.0), 0.95)
    assert (float(w.low), float(w.high)) == pytest.approx((0.1077912674, 0.6032218525), rel=1e-8)
    cp = clopper_pearson(np.array(0.3), np.array(10.0), 0.95)
    assert (float(cp.low), float(cp.high)) == pytest.approx(
        (0.06673951118, 0.65245285006), rel=1e-8
    )


def test_wilson_uses_the_effective_n_and_closes_at_a_census():
    answers = [1] * 30 + [0] * 70
    sample = proportions(survey_design(100, fpc=1000), answers, ci="wilson").share("1")
    census = proportions(survey_design(100, fpc=100), answers, ci="wilson").share("1")
    plain = proportions(survey_design(100), answers, ci="wilson").share("1")
    assert sample.ci_high - sample.ci_low < plain.ci_high - plain.ci_low
    assert census.ci_low == pytest.approx(0.3) and census.ci_high == pytest.approx(0.3)


@pytest.mark.parametrize("method", ["wilson", "clopper-pearson", "logit"])
def test_fixed_n_coverage_is_near_nominal_in_a_stratified_sample(method):
    rng = np.random.default_rng(17)
    sizes, takes = np.array([800, 1200, 2000]), np.array([40, 60, 100])
    population = [
        rng.random(size) < share for size, share in zip(sizes, [0.2, 0.35, 0.5], strict=True)
    ]
    truth = sum(p.sum() for p in population) / sizes.sum()
    strata = np.repeat(["a", "b", "c"], takes)
    fpc = np.repeat(sizes, takes)
    design = survey_design(strata=strata, fpc=fpc)
    covered = 0
    for _ in range(600):
        x = np.concatenate(
            [rng.choice(p, k, replace=False) for p, k in zip(population, takes, strict=True)]
        )
        share = proportions(design, x.astype(int), ci=method).share("1")
        covered += share.ci_low <= truth <= share.ci_high
    assert 0.92 <= covered / 600 <= 0.98


@settings(max_examples=200, deadline=None)
@given(
    p=st.floats(0, 1),
    se=st.floats(0, 0.5),
    n=st.floats(1, 1e6),
    method=st.sampled_from(METHODS[:3]),
)
def test_a_proportion_interval_lies_in_0_1_and_contains_the_estimate(p, se, n, method):
    iv = proportion_intervals(
        np.array([p]), np.array([se]), method=method, level=0.95, df=30, fallback_n=n
    )
    assert 0 <= iv.low[0] <= p <= iv.high[0] <= 1
