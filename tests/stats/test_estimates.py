"""Means, totals, shares and logit intervals against R's survey (tests/stats/data/reference.R)."""

from __future__ import annotations

import numpy as np
import pytest

from indagine.stats.estimates import by_segment, mean, proportions, quantile, total

REL = 1e-6


def close(value: float, expected: float) -> bool:
    return value == pytest.approx(expected, rel=REL, abs=1e-12)


def test_mean_and_total_match_svymean_svytotal(case, reference):
    prefix, df, design = case
    m = mean(design, df["y"], what="y")
    t = total(design, df["y"], what="y")
    assert close(m.estimate, reference[f"{prefix}.mean_y.est"])
    assert close(m.se, reference[f"{prefix}.mean_y.se"])
    assert close(t.estimate, reference[f"{prefix}.total_y.est"])
    assert close(t.se, reference[f"{prefix}.total_y.se"])
    assert close(mean(design, df["x"]).se, reference[f"{prefix}.mean_x.se"])


def test_shares_match_svymean_of_a_factor(case, reference):
    prefix, df, design = case
    dist = proportions(design, df["a"], what="a")
    for level in ["a1", "a2", "a3", "a4", "a5"]:
        share = dist.share(level)
        assert close(share.estimate, reference[f"{prefix}.share_{level}.est"])
        assert close(share.se, reference[f"{prefix}.share_{level}.se"])


def test_logit_interval_matches_svyciprop(case, reference):
    prefix, df, design = case
    share = proportions(design, df["x"], what="x", ci="logit").share("1")
    assert close(share.estimate, reference[f"{prefix}.ciprop_x.est"])
    assert close(share.ci_low, reference[f"{prefix}.ciprop_x.low"])
    assert close(share.ci_high, reference[f"{prefix}.ciprop_x.high"])
    assert design.degrees_of_freedom == reference[f"{prefix}.df"]


def test_segment_means_match_svyby(case, reference):
    prefix, df, design = case
    segments = dict(by_segment(mean, design, df["b"], df["y"]).results)
    for level in ["maybe", "no", "yes"]:
        assert close(segments[level].estimate, reference[f"{prefix}.by_{level}.est"])
        assert close(segments[level].se, reference[f"{prefix}.by_{level}.se"])


def test_estimate_says_what_it_is_of():
    from indagine.stats.design import survey_design

    design = survey_design(4, fpc=40)
    est = mean(design, [1.0, 2.0, np.nan, 4.0], what="age")
    assert est.what == "mean of age"
    assert est.n == 3
    assert est.weighted_n == pytest.approx(30.0)
    assert dict(est.excluded) == {"skipped": 1}
    assert "finite population correction" in est.method


def test_quantiles_and_woodruff_intervals_match_svyquantile(case, reference):
    prefix, df, design = case
    for q, name in ((0.25, "25"), (0.5, "50")):
        est = quantile(design, df["y"], q)
        key = f"{prefix}.quantile_{name}"
        assert est.estimate == pytest.approx(reference[f"{key}.est"], rel=1e-9)
        assert est.ci_low == pytest.approx(reference[f"{key}.low"], rel=1e-9)
        assert est.ci_high == pytest.approx(reference[f"{key}.high"], rel=1e-9)
        assert est.se == pytest.approx(reference[f"{key}.se"], rel=1e-6)


def test_multiple_choice_shares_are_means_of_each_option_among_those_who_answered():
    from indagine.stats.design import survey_design
    from indagine.stats.estimates import multiple_choice

    rng = np.random.default_rng(12)
    n = 300
    tea, coffee = (rng.random(n) < 0.4).astype(float), (rng.random(n) < 0.7).astype(float)
    skipped = rng.random(n) < 0.1
    tea[skipped], coffee[skipped] = np.nan, np.nan
    design = survey_design(weights=rng.uniform(1, 3, n), strata=rng.choice(["a", "b"], n))
    dist = multiple_choice(design, {"tea": tea, "coffee": coffee}, what="drinks")
    assert dist.n == n - skipped.sum()
    assert dict(dist.excluded) == {"skipped": int(skipped.sum())}
    for option, values in (("tea", tea), ("coffee", coffee)):
        share, direct = dist.share(option), mean(design, values)
        assert share.estimate == pytest.approx(direct.estimate, rel=1e-12)
        assert share.se == pytest.approx(direct.se, rel=1e-9)
        assert 0 <= share.ci_low <= share.estimate <= share.ci_high <= 1
