"""Design construction: weights from FPC, validation errors with stable codes, invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indagine.stats.crosstab import crosstab
from indagine.stats.design import survey_design
from indagine.stats.errors import StatsError
from indagine.stats.estimates import mean, proportions, total
from indagine.stats.likert import likert


def test_weights_default_to_population_over_sample_per_stratum():
    design = survey_design(strata=["a", "a", "b", "b", "b"], fpc={"a": 10, "b": 30})
    assert design.weights.tolist() == [5, 5, 10, 10, 10]
    assert design.degrees_of_freedom == 3
    assert design.described() == "stratified sample with finite population correction"


def test_fpc_shrinks_the_standard_error_by_sqrt_one_minus_f():
    y = np.arange(20.0)
    without = mean(survey_design(20), y).se
    with_fpc = mean(survey_design(20, fpc=80), y).se
    assert with_fpc == pytest.approx(without * np.sqrt(1 - 20 / 80))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"weights": [1.0, -1.0, 2.0]}, "bad-weights"),
        ({"weights": [1.0, np.nan, 2.0]}, "bad-weights"),
        ({"weights": ["1", "x", "2"]}, "bad-weights"),
        ({"strata": ["a", None, "b"]}, "empty-stratum"),
        ({"strata": ["a", "b", "b"], "fpc": {"a": 5}}, "bad-fpc"),
        ({"fpc": 2}, "bad-fpc"),
        ({"weights": [1.0, 2.0]}, "length-mismatch"),
    ],
)
def test_bad_designs_are_errors_with_stable_codes(kwargs, code):
    with pytest.raises(StatsError) as info:
        survey_design(3, **kwargs)
    assert info.value.code == code


def test_a_stratum_with_one_unit_cannot_give_a_variance():
    design = survey_design(strata=["a", "a", "b"])
    with pytest.raises(StatsError) as info:
        mean(design, [1.0, 2.0, 3.0])
    assert info.value.code == "lonely-psu"


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), factor=st.floats(1e-3, 1e3))
def test_weights_scaled_by_a_constant_change_no_estimate(seed, factor):
    rng = np.random.default_rng(seed)
    n = 120
    strata = rng.choice(["a", "b"], n)
    strata[:4] = ["a", "a", "b", "b"]
    clusters = rng.integers(0, 30, n)
    w = rng.uniform(0.5, 4, n)
    y = rng.normal(0, 1, n)
    a, b = rng.integers(0, 3, n), rng.integers(0, 2, n)
    score = rng.choice(["1", "2", "3", "4", "5", "dk"], n)
    one = survey_design(weights=w, strata=strata, clusters=clusters)
    many = survey_design(weights=w * factor, strata=strata, clusters=clusters)
    for f in (one, many):
        assert f.degrees_of_freedom == one.degrees_of_freedom
    for left, right in [
        (mean(one, y), mean(many, y)),
        (proportions(one, a).shares[0], proportions(many, a).shares[0]),
        (likert(one, score, list("12345")).net, likert(many, score, list("12345")).net),
    ]:
        assert right.estimate == pytest.approx(left.estimate, rel=1e-9, abs=1e-12)
        assert right.se == pytest.approx(left.se, rel=1e-9, abs=1e-12)
        assert right.ci_low == pytest.approx(left.ci_low, rel=1e-9, abs=1e-12)
    assert total(many, y).estimate == pytest.approx(factor * total(one, y).estimate, rel=1e-9)
    f1, f2 = crosstab(one, a, b).test, crosstab(many, a, b).test
    assert f2.statistic == pytest.approx(f1.statistic, rel=1e-7)
    assert f2.p_value == pytest.approx(f1.p_value, rel=1e-6, abs=1e-12)
