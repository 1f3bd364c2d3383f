"""Likert summaries against R's survey on the answered domain; "dk" and skipped leave the base."""

from __future__ import annotations

import numpy as np
import pytest

from indagine.stats.design import survey_design
from indagine.stats.likert import likert

SCALE = ["1", "2", "3", "4", "5"]


def test_likert_summaries_match_svymean_on_the_answered_domain(case, reference):
    prefix, df, design = case
    summary = likert(design, df["likert"], SCALE, what="likert")
    for name, est in [
        ("mean", summary.mean),
        ("top2", summary.top2),
        ("bottom2", summary.bottom2),
        ("net", summary.net),
    ]:
        assert est.estimate == pytest.approx(reference[f"{prefix}.likert_{name}.est"], rel=1e-6)
        assert est.se == pytest.approx(reference[f"{prefix}.likert_{name}.se"], rel=1e-6)


def test_dont_know_and_skipped_are_reported_not_counted():
    answers = ["5", "4", "dk", None, "1", "2", "4", "dk"]
    summary = likert(survey_design(len(answers)), answers, SCALE, what="q7")
    assert summary.n == 5
    assert dict(summary.excluded) == {"dk": 2, "skipped": 1}
    assert summary.top2.estimate == pytest.approx(3 / 5)
    assert summary.bottom2.estimate == pytest.approx(2 / 5)
    assert summary.net.estimate == pytest.approx(1 / 5)
    assert summary.mean.estimate == pytest.approx((5 + 4 + 1 + 2 + 4) / 5)
    assert [d.estimate for d in summary.distribution] == pytest.approx([0.2, 0.2, 0.0, 0.4, 0.2])
    assert "excluding dk" in summary.base


def test_distribution_sums_to_one_and_net_equals_top_minus_bottom():
    rng = np.random.default_rng(3)
    answers = rng.choice([*SCALE, "dk"], size=300).tolist()
    summary = likert(survey_design(300, weights=rng.uniform(1, 3, 300)), answers, SCALE)
    assert sum(d.estimate for d in summary.distribution) == pytest.approx(1.0)
    assert summary.net.estimate == pytest.approx(summary.top2.estimate - summary.bottom2.estimate)
    for est in (summary.top2, summary.bottom2, *summary.distribution):
        assert 0 <= est.ci_low <= est.estimate <= est.ci_high <= 1
