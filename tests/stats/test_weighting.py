"""Raking, post-stratification, trimming and Kish's design effect."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indagine.stats.design import survey_design
from indagine.stats.errors import RakingError, StatsError
from indagine.stats.estimates import mean
from indagine.stats.weighting import post_stratify, rake, trim, weighting_effect

from .conftest import AGE, SEX, build


def test_raked_weights_match_rake_and_calibrate(reference):
    _, design = build("calibrated")
    for i in range(5):
        assert design.weights[i] == pytest.approx(reference[f"rake.weights_head{i + 1}"], rel=1e-9)
        expected = reference[f"calibrated.weights_head{i + 1}"]
        assert design.weights[i] == pytest.approx(expected, rel=1e-9)


def test_raked_mean_matches_rake_point_estimate(reference):
    df, design = build("calibrated")
    est = mean(design, df["y"])
    assert est.estimate == pytest.approx(reference["rake.mean_y.est"], rel=1e-9)
    # rake() linearises with 10 alternating projections; calibrate() (which we match) is exact.
    assert est.se == pytest.approx(reference["rake.mean_y.se"], rel=5e-3)
    assert est.se == pytest.approx(reference["calibrated.mean_y.se"], rel=1e-9)


def test_post_stratified_weights_match_post_stratify(reference):
    _, design = build("post")
    for i in range(5):
        assert design.weights[i] == pytest.approx(reference[f"post.weights_head{i + 1}"], rel=1e-9)


def test_raking_reports_convergence_and_reproduces_margins():
    df, weighted = build("weighted")
    result = rake(weighted, {"sex": df["sex"], "age": df["age"]}, {"sex": SEX, "age": AGE})
    assert result.converged
    assert 1 < result.iterations < 100
    assert result.max_error < 1e-10
    for variable, margin in (("sex", SEX), ("age", AGE)):
        values = df[variable].to_numpy()
        for level, count in margin.items():
            assert result.design.weights[values == level].sum() == pytest.approx(count)


def test_raking_that_cannot_converge_is_an_error_with_a_code():
    sex = ["F"] * 10 + ["M"] * 10
    age = ["young"] * 10 + ["old"] * 10
    population = {"sex": {"F": 100.0, "M": 200.0}, "age": {"young": 200.0, "old": 100.0}}
    with pytest.raises(RakingError) as info:
        rake(survey_design(20), {"sex": sex, "age": age}, population, max_iterations=30)
    assert info.value.code == "raking-not-converged"
    assert "30 iterations" in str(info.value)


@pytest.mark.parametrize(
    ("sex", "population", "code"),
    [
        (["F", "M", "X"], {"F": 10.0, "M": 10.0}, "margin-mismatch"),
        (["F", "F", None], {"F": 10.0, "M": 10.0}, "margin-mismatch"),
        (["F", "F", "F"], {"F": 10.0, "M": 10.0}, "margin-empty"),
    ],
)
def test_margins_that_do_not_match_the_data_are_errors(sex, population, code):
    with pytest.raises(StatsError) as info:
        rake(survey_design(3), {"sex": sex}, {"sex": population})
    assert info.value.code == code


def test_margins_with_different_totals_are_an_error():
    population = {"sex": {"F": 10.0, "M": 10.0}, "age": {"young": 5.0, "old": 5.0}}
    data = {"sex": ["F", "M"], "age": ["young", "old"]}
    with pytest.raises(StatsError) as info:
        rake(survey_design(2), data, population)
    assert info.value.code == "margin-totals"


def test_post_stratification_hits_each_group_count():
    groups = ["a", "a", "b", "c", "c", "c"]
    result = post_stratify(survey_design(6), "g", groups, {"a": 10.0, "b": 5.0, "c": 30.0})
    assert result.design.weights.tolist() == pytest.approx([5, 5, 5, 10, 10, 10])
    assert "post-stratification" in result.design.described()


def test_trimming_caps_weights_and_keeps_the_total():
    weights = np.array([1.0, 1.0, 1.0, 1.0, 20.0, 2.0])
    result = trim(survey_design(weights=weights), upper=6.0)
    assert result.design.weights.max() <= 6.0 + 1e-9
    assert result.design.weights.sum() == pytest.approx(weights.sum())
    # The excess goes to the others in proportion; 2.0 then exceeds the cap and is trimmed too.
    assert result.design.weights.tolist() == pytest.approx([3.5, 3.5, 3.5, 3.5, 6.0, 6.0])
    assert result.trimmed == 2


def test_kish_design_effect_and_effective_n():
    effect = weighting_effect([1.0, 1.0, 2.0, 4.0])
    assert effect.deff == pytest.approx(4 * 22 / 64)
    assert effect.effective_n == pytest.approx(64 / 22)
    assert effect.deff == pytest.approx(1 + effect.cv**2)
    assert weighting_effect(np.ones(10)).deff == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(20, 200),
    targets=st.tuples(st.floats(0.2, 0.8), st.floats(0.1, 0.5), st.floats(0.1, 0.5)),
)
def test_raking_reproduces_any_reachable_margins(seed, n, targets):
    rng = np.random.default_rng(seed)
    # Every sex-by-age cell holds respondents, so any positive margins are reachable.
    sex = np.concatenate([np.repeat(["F", "M"], 3), rng.choice(["F", "M"], n)])
    age = np.concatenate([np.tile(["a", "b", "c"], 2), rng.choice(["a", "b", "c"], n)])
    n = sex.size
    female, young, middle = targets
    population = {
        "sex": {"F": 1000 * female, "M": 1000 * (1 - female)},
        "age": {"a": 1000 * young, "b": 1000 * middle, "c": 1000 * (1 - young - middle)},
    }
    design = survey_design(weights=rng.uniform(0.5, 3, n))
    result = rake(design, {"sex": sex, "age": age}, population)
    for variable, values in (("sex", sex), ("age", age)):
        for level, count in population[variable].items():
            assert result.design.weights[values == level].sum() == pytest.approx(count, rel=1e-8)
