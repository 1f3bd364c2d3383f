"""Crosstab shares and the Rao-Scott test against R's svychisq (F and Chisq)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from indagine.stats.crosstab import crosstab
from indagine.stats.design import survey_design
from indagine.stats.estimates import by_segment, proportions


def test_rao_scott_matches_svychisq(case, reference):
    prefix, df, design = case
    test = crosstab(design, df["a"], df["b"], names=("a", "b")).test
    assert test.statistic == pytest.approx(reference[f"{prefix}.F"], rel=1e-6)
    assert test.ndf == pytest.approx(reference[f"{prefix}.ndf"], rel=1e-6)
    assert test.ddf == pytest.approx(reference[f"{prefix}.ddf"], rel=1e-6)
    assert test.p_value == pytest.approx(reference[f"{prefix}.p"], rel=1e-5)
    assert test.pearson == pytest.approx(reference[f"{prefix}.X2"], rel=1e-6)
    assert test.chisq_df == reference[f"{prefix}.chisq_df"]
    assert test.chisq_p_value == pytest.approx(reference[f"{prefix}.chisq_p"], rel=1e-5)


def test_row_shares_are_domain_proportions():
    rng = np.random.default_rng(11)
    n = 400
    a = rng.choice(["x", "y", "z"], n)
    b = rng.choice(["p", "q"], n)
    design = survey_design(weights=rng.uniform(0.5, 2.0, n), strata=rng.choice(["s", "t"], n))
    table = crosstab(design, a, b)
    direct = dict(by_segment(proportions, design, a, b, ci="wilson").results)
    for i, label in enumerate(table.rows):
        for share in table.row_shares[i]:
            other = direct[label].share(share.what.rsplit(" = ", 1)[1])
            assert share.estimate == pytest.approx(other.estimate, rel=1e-12)
            assert share.se == pytest.approx(other.se, rel=1e-9)
    assert table.counts.sum() == n
    assert table.weighted.sum() == pytest.approx(design.weights.sum())


def test_independent_items_give_a_uniform_p_value_not_a_tiny_one():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 4, 2000), rng.integers(0, 3, 2000)
    test = crosstab(survey_design(2000, weights=rng.uniform(1, 4, 2000)), a, b).test
    assert test.p_value > 0.01
    assert 0 < test.ndf <= 6


def test_an_empty_cell_is_as_uncertain_as_its_group_is_small():
    # 9 in group "small", none of them "yes"; 200 in "big". The interval of the empty cell
    # is the exact one on the group's 9, not on all 209 (which gave 0%-2% whatever the group).
    a = np.array(["small"] * 9 + ["big"] * 200)
    b = np.array(["no"] * 9 + ["yes", "no"] * 100)
    table = crosstab(survey_design(a.size), a, b)
    small = dict(zip(table.rows, table.row_shares, strict=True))["small"]
    empty = next(s for s in small if s.what.endswith("= yes"))
    assert empty.estimate == 0 and empty.ci_low == 0
    assert empty.ci_high == pytest.approx(1 - 0.025 ** (1 / 9), rel=1e-9)  # Clopper-Pearson, n=9
    overall = proportions(survey_design(a.size), np.where(a == "small", "s", "b"))
    assert overall.share("s").ci_high < 0.1  # a share of the whole keeps the whole's n


def test_a_level_no_one_in_the_domain_gave_is_left_out_of_the_test_not_a_division_by_zero():
    """A conditional question's domain: the level "z" of the row variable is given only
    outside it. The test is the one of the table without "z" (no 0/0 warning, no NaN); with a
    single level left either way there is nothing to test."""
    rng = np.random.default_rng(8)
    n = 300
    a = rng.choice(["x", "y", "z"], n)
    b = rng.choice(["p", "q", "r"], n)
    domain = a != "z"
    design = survey_design(weights=rng.uniform(0.5, 2.0, n), strata=rng.choice(["s", "t"], n))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = crosstab(design, a, b, domain=domain)
    assert table.rows == ("x", "y", "z") and table.counts[2].sum() == 0
    without = crosstab(design, np.where(domain, a, "x"), b, domain=domain).test
    assert table.test.p_value == pytest.approx(without.p_value, rel=1e-12)
    assert np.isfinite(table.test.p_value) and table.test.chisq_df == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        single = crosstab(design, a, b, domain=a == "x").test
    assert np.isnan(single.p_value)
