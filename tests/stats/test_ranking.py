"""Ranking questions: parsing, partial rankings, and agreement with R's survey on ranked.csv."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import special, stats

from indagine.stats.design import Design, survey_design
from indagine.stats.errors import StatsError
from indagine.stats.estimates import by_segment
from indagine.stats.ranking import parse_rankings, rank_summary
from indagine.stats.weighting import post_stratify

from .conftest import DATA

ITEMS = ["a", "b", "c", "d"]
REL = 1e-6  # R and indagine agree to about 1e-12 on these data; 4 significant digits is the aim
MEMBERS = {"north": 700.0, "south": 1100.0}


def ranked_design(prefix: str) -> tuple[pl.DataFrame, Design]:
    """ranked.csv and the design named as in reference.R's ranking section."""
    df = pl.read_csv(DATA / "ranked.csv", schema_overrides={"rank": pl.String})
    if prefix == "stratified":
        return df, survey_design(weights=df["w"], strata=df["stratum"], fpc=df["N"])
    if prefix == "clustered":
        design = survey_design(
            weights=df["w"], strata=df["stratum"], clusters=df["cluster"], fpc=df["Npsu"]
        )
        return df, design
    cluster1 = survey_design(weights=df["w"], clusters=df["cluster"], fpc=df["Nclubs"])
    if prefix == "cluster1":
        return df, cluster1
    return df, post_stratify(cluster1, "stratum", df["stratum"], MEMBERS).design


def close(value: float, expected: float) -> bool:
    return value == pytest.approx(expected, rel=REL, abs=1e-12)


@pytest.mark.parametrize("prefix", ["stratified", "clustered", "cluster1", "post"])
def test_mean_ranks_and_first_shares_match_svymean_and_svyciprop(prefix, reference):
    df, design = ranked_design(prefix)
    summary = rank_summary(design, df["rank"], ITEMS, what="q9")
    assert summary.n == reference[f"{prefix}.rank_n"]
    assert close(summary.weighted_n, reference[f"{prefix}.rank_weighted_n"])
    assert summary.degrees_of_freedom == reference[f"{prefix}.rank_df"]
    for item in ITEMS:
        for estimate, key in (
            (summary.mean_rank_of(item), f"{prefix}.rank_mean_{item}"),
            (summary.first_of(item), f"{prefix}.rank_first_{item}"),
        ):
            assert close(estimate.estimate, reference[f"{key}.est"]), key
            assert close(estimate.se, reference[f"{key}.se"]), key
            assert close(estimate.ci_low, reference[f"{key}.low"]), key
            assert close(estimate.ci_high, reference[f"{key}.high"]), key


def test_mean_ranks_of_every_respondent_sum_to_k_k_plus_1_over_2():
    df, design = ranked_design("clustered")
    summary = rank_summary(design, df["rank"], ITEMS)
    assert sum(e.estimate for e in summary.mean_rank) == pytest.approx(10.0)
    assert sum(e.estimate for e in summary.first) == pytest.approx(1.0)
    assert summary.excluded == (("skipped", 10),)
    assert summary.mean_rank_of("a").what == "mean rank of a in ranking"
    assert summary.first_of("a").what == "ranked first in ranking = a"
    assert summary.first_of("a").method.startswith("logit interval")


def test_parsing_reads_order_first_first_and_ties_the_unranked_at_the_mean_place_left():
    parsed = parse_rankings(["b a c d", " c  b ", "d", "a b c"], ITEMS)
    np.testing.assert_array_equal(
        parsed.ranks, [[2, 1, 3, 4], [3.5, 2, 1, 3.5], [3, 3, 3, 1], [1, 2, 3, 4]]
    )
    np.testing.assert_array_equal(parsed.first, [1, 2, 3, 0])


def test_missing_answers_are_unanswered():
    parsed = parse_rankings(pl.Series([None, "", "   ", "NA", "a"], dtype=pl.String), ITEMS)
    assert parsed.answered.tolist() == [False, False, False, False, True]
    assert np.isnan(parsed.ranks[:4]).all()


@pytest.mark.parametrize(
    ("orders", "row", "words"),
    [
        (["a b", "a e c"], 1, "'e', not one of a, b, c, d"),
        (["a b", None, "b a b"], 2, "'b' twice"),
        (["a,b c"], 0, "'a,b', not one of"),
    ],
)
def test_unknown_names_and_ties_are_refused_with_their_row(orders, row, words):
    with pytest.raises(StatsError) as caught:
        parse_rankings(orders, ITEMS)
    assert caught.value.code == "bad-ranking"
    assert f"row {row} ({orders[row]!r})" in str(caught.value)
    assert words in str(caught.value)


@pytest.mark.parametrize("items", [["a"], ["a", "a"], ["a", "b c"], ["a", ""]])
def test_items_must_be_two_or_more_distinct_names(items):
    with pytest.raises(StatsError) as caught:
        parse_rankings(["a"], items)
    assert caught.value.code == "bad-argument"


def test_orders_must_match_the_design_and_someone_must_answer():
    with pytest.raises(StatsError) as caught:
        rank_summary(survey_design(3), ["a b"] * 2, ITEMS)
    assert caught.value.code == "length-mismatch"
    with pytest.raises(StatsError) as caught:
        rank_summary(survey_design(2), [None, ""], ITEMS)
    assert caught.value.code == "empty-base"


def test_unweighted_simple_random_sample_by_hand():
    # Three of four answer. Rank of a: 1, 2, 1; a first: 1, 0, 1. Both have deviations
    # (-1/3, 2/3, -1/3) up to sign, so Var = n/(n - 1) · Σ(d/3)² = 4/3 · (2/3)/9 = 8/81.
    summary = rank_summary(survey_design(4), ["a b c", "b a c", "a c b", None], ["a", "b", "c"])
    se = math.sqrt(8) / 9
    a = summary.mean_rank_of("a")
    assert (summary.n, summary.weighted_n, summary.excluded) == (3, 3.0, (("skipped", 1),))
    assert [e.estimate for e in summary.mean_rank] == pytest.approx([4 / 3, 2, 8 / 3])
    assert a.se == pytest.approx(se)
    z = stats.norm.ppf(0.975)
    assert (a.ci_low, a.ci_high) == pytest.approx((4 / 3 - z * se, 4 / 3 + z * se))
    first = summary.first_of("a")
    assert (first.estimate, first.se) == pytest.approx((2 / 3, se))
    # The logit interval on t with the domain's 3 PSUs - 1 stratum = 2 degrees of freedom.
    assert summary.degrees_of_freedom == 2
    half = stats.t.ppf(0.975, 2) * se / (2 / 9)
    centre = special.logit(2 / 3)
    assert first.ci_low == pytest.approx(special.expit(centre - half))
    assert first.ci_high == pytest.approx(special.expit(centre + half))
    assert first.ci_low == pytest.approx(0.004533475, rel=1e-6)  # R, svyciprop on the subset


def test_segments_are_domains_of_the_full_design():
    df, design = ranked_design("clustered")
    segments = dict(by_segment(rank_summary, design, df["stratum"], df["rank"], ITEMS).results)
    overall = rank_summary(design, df["rank"], ITEMS)
    assert segments["north"].n + segments["south"].n == overall.n
    assert segments["north"].degrees_of_freedom == 8 - 1
