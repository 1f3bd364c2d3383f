"""Statistics over repeat instances, the response the cluster: agreement with R's survey on
instances.csv, and the properties a wrong implementation would break."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from scipy import special, stats

from indagine.stats.design import Design, survey_design
from indagine.stats.errors import StatsError
from indagine.stats.estimates import by_segment, mean, proportions
from indagine.stats.instances import (
    instance_counts,
    instance_mean,
    instance_multiple_choice,
    instance_proportions,
    instances_per_response,
)
from indagine.stats.weighting import post_stratify

from .conftest import DATA

KINDS = ["office", "home", "cowork"]
USES = ["wifi", "printer", "parking"]
REL = 1e-6  # R and indagine agree to about 1e-11 on these data; 4 significant digits is the aim
SIZES = {"large": 900.0, "small": 1400.0}


def repeat_data(prefix: str) -> tuple[pl.DataFrame, pl.DataFrame, Design]:
    """The responses, their instances (with `owner`, the row of each one's response) and the
    response-level design named as in reference.R's repeat section."""
    responses = pl.read_csv(DATA / "instance_responses.csv")
    rows = responses.select("response", owner=pl.int_range(pl.len()))
    instances = pl.read_csv(DATA / "instances.csv").join(
        rows, on="response", how="left", maintain_order="left"
    )
    if prefix == "stratified":
        design = survey_design(
            weights=responses["w"], strata=responses["stratum"], fpc=responses["N"]
        )
        return responses, instances, design
    design = survey_design(weights=responses["w"])
    if prefix == "post":
        design = post_stratify(design, "size", responses["size"], SIZES).design
    return responses, instances, design


def close(value: float, expected: float) -> bool:
    return value == pytest.approx(expected, rel=REL, abs=1e-12)


def agrees(estimate, reference, key: str, ends: tuple[str, ...] = ("est", "se", "low", "high")):
    values = {"est": estimate.estimate, "se": estimate.se}
    values |= {"low": estimate.ci_low, "high": estimate.ci_high}
    for end in ends:
        assert close(values[end], reference[f"{key}.{end}"]), f"{key}.{end}"


@pytest.mark.parametrize("prefix", ["weighted", "stratified"])
def test_shares_means_and_counts_match_svymean_and_svyciprop(prefix, reference):
    _, instances, design = repeat_data(prefix)
    owner = instances["owner"]
    key = f"repeat_{prefix}"
    kinds = instance_proportions(design, owner, instances["kind"], what="kind", levels=KINDS)
    assert kinds.n == reference[f"{key}.kind_n"]
    assert close(kinds.weighted_n, reference[f"{key}.kind_weighted_n"])
    assert kinds.excluded == (("skipped", 27),)
    for kind in KINDS:
        agrees(kinds.share(kind), reference, f"{key}.kind_{kind}")
    uses = {use: instances[f"uses_{use}"] for use in USES}
    chosen = instance_multiple_choice(design, owner, uses, what="uses")
    for use in USES:
        agrees(chosen.share(use), reference, f"{key}.uses_{use}")
    seats = instance_mean(design, owner, instances["seats"], what="seats")
    assert seats.n == reference[f"{key}.seats_n"]
    agrees(seats, reference, f"{key}.seats")
    agrees(instances_per_response(design, owner), reference, f"{key}.count")


@pytest.mark.parametrize("prefix", ["weighted", "stratified", "post"])
def test_means_over_instances_are_svyratio_at_the_response_level(prefix, reference):
    # post: the calibration is of responses, so its residuals must be taken among responses.
    _, instances, design = repeat_data(prefix)
    owner = instances["owner"]
    key = f"repeat_{prefix}"
    seats = instance_mean(design, owner, instances["seats"])
    home = instance_proportions(design, owner, instances["kind"]).share("home")
    uses = {use: instances[f"uses_{use}"] for use in USES}
    printer = instance_multiple_choice(design, owner, uses).share("printer")
    for estimate, name in ((seats, "seats"), (home, "kind_home"), (printer, "uses_printer")):
        agrees(estimate, reference, f"{key}.ratio_{name}", ("est", "se"))
    agrees(instances_per_response(design, owner), reference, f"{key}.count")


def test_the_counts_are_those_of_the_file():
    responses, instances, design = repeat_data("weighted")
    counts = instance_counts(design, instances["owner"])
    assert counts.tolist() == responses["instances"].to_list()
    assert int((counts == 0).sum()) == 17


def test_alike_instances_count_as_one_cluster_not_as_independent_rows():
    # Every response gives three identical instances: the mean over instances is the mean over
    # responses, with its SE. Rows treated as independent would make it about sqrt(3) smaller.
    rng = np.random.default_rng(5)
    design = survey_design(weights=rng.uniform(1, 3, 40))
    per_response = rng.normal(10, 4, 40)
    kinds = rng.choice(["a", "b"], 40)
    owner = np.repeat(np.arange(40), 3)
    clustered = instance_mean(design, owner, per_response[owner])
    expected = mean(design, per_response)
    assert (clustered.estimate, clustered.se) == pytest.approx((expected.estimate, expected.se))
    naive = mean(survey_design(weights=design.weights[owner]), per_response[owner])
    assert naive.estimate == pytest.approx(clustered.estimate)
    # Var ratio: 40/39 · Σ z_r² over 120/119 · 3 · Σ (z_r / 3)² = 119/39.
    assert clustered.se / naive.se == pytest.approx(math.sqrt(119 / 39), rel=1e-9)
    share = instance_proportions(design, owner, kinds[owner]).share("a")
    assert share.se == pytest.approx(proportions(design, kinds).share("a").se)
    naive_share = proportions(survey_design(weights=design.weights[owner]), kinds[owner])
    assert share.se > 1.7 * naive_share.share("a").se


def test_a_simple_random_sample_by_hand():
    # Responses 0 (a, b), 1 (a), 2 (none): a is 2/3 of the instances. Each response's influence
    # is (its a's - 2/3 of its instances) / 3: -1/9, 1/9, 0; Var = 3/2 · 2/81 = 1/27.
    design = survey_design(3)
    share = instance_proportions(design, [0, 0, 1], ["a", "b", "a"]).share("a")
    assert (share.estimate, share.se) == pytest.approx((2 / 3, math.sqrt(1 / 27)))
    assert (share.n, share.weighted_n) == (3, 3.0)
    # The logit interval on t with 1 degree of freedom: the 2 responses holding an answer less
    # 1 stratum (svyciprop on the subset), not the design's 2.
    half = stats.t.ppf(0.975, 1) * share.se / (2 / 9)
    assert share.ci_low == pytest.approx(special.expit(special.logit(2 / 3) - half))
    assert share.ci_high == pytest.approx(special.expit(special.logit(2 / 3) + half))
    count = instances_per_response(design, [0, 0, 1])
    assert (count.estimate, count.se) == pytest.approx((1.0, math.sqrt(1 / 3)))
    assert count.what == "instances of repeat per response"
    assert share.method.endswith("instances clustered by response")


def test_a_response_with_no_instance_counts_per_response_but_adds_nothing_to_shares():
    owner, kinds = [0, 0, 1, 2, 2, 2], ["a", "b", "a", "a", "b", "b"]
    alone = instance_proportions(survey_design(3), owner, kinds).share("a")
    with_empty = instance_proportions(survey_design(5), owner, kinds).share("a")
    assert (with_empty.estimate, with_empty.n, with_empty.weighted_n) == (
        alone.estimate,
        alone.n,
        alone.weighted_n,
    )
    # Still sampled PSUs (their influence 0): only n/(n - 1) moves, from 3/2 to 5/4.
    assert with_empty.se == pytest.approx(alone.se * math.sqrt((5 / 4) / (3 / 2)))
    assert instances_per_response(survey_design(3), owner).estimate == pytest.approx(2.0)
    assert instances_per_response(survey_design(5), owner).estimate == pytest.approx(6 / 5)


def test_unanswered_instances_leave_the_base():
    design = survey_design(weights=[1.0, 2.0, 3.0, 1.5])
    owner, kinds, seats = [0, 0, 1, 2, 2], ["a", "b", "a", "b", "b"], [3.0, 5, 2, 8, 1]
    before = instance_proportions(design, owner, kinds)
    before_mean = instance_mean(design, owner, seats)
    # Two more unanswered instances of answering responses and one of a response with no other.
    owner_more = [*owner, 0, 1, 3]
    after = instance_proportions(design, owner_more, [*kinds, None, "", None])
    after_mean = instance_mean(design, owner_more, [*seats, np.nan, np.nan, np.nan])
    for old, new in ((before.share("a"), after.share("a")), (before_mean, after_mean)):
        assert (new.estimate, new.se, new.n, new.weighted_n) == pytest.approx(
            (old.estimate, old.se, old.n, old.weighted_n)
        )
    assert after.excluded == (("skipped", 3),)
    assert after_mean.excluded == (("skipped", 3),)
    # Response 3 holds no answer: it adds no PSU to the domain's degrees of freedom either.
    assert (after.share("a").ci_low, after.share("a").ci_high) == pytest.approx(
        (before.share("a").ci_low, before.share("a").ci_high)
    )


def test_dont_know_is_out_of_the_base_and_counted():
    design = survey_design(3)
    result = instance_proportions(design, [0, 1, 1, 2], ["a", "don't know", "b", None])
    assert [s.estimate for s in result.shares] == pytest.approx([0.5, 0.5])
    assert result.excluded == (("don't know", 1), ("skipped", 1))
    assert result.base == "instances that answered item, excluding don't know"


def test_multiple_choice_skips_instances_with_every_option_missing():
    design = survey_design(2)
    selected = {"x": [1, 0, np.nan, 1], "y": [0, 0, np.nan, 1]}
    result = instance_multiple_choice(design, [0, 0, 1, 1], selected)
    assert [s.estimate for s in result.shares] == pytest.approx([2 / 3, 1 / 3])
    assert (result.n, result.excluded) == (3, (("skipped", 1),))


def test_segments_are_domains_of_responses():
    responses, instances, design = repeat_data("stratified")
    owner, kind = instances["owner"], instances["kind"]
    segments = dict(
        by_segment(instance_proportions, design, responses["size"], owner, kind).results
    )
    overall = instance_proportions(design, owner, kind)
    assert segments["large"].n + segments["small"].n == overall.n


def test_owner_and_values_are_checked():
    design = survey_design(2)
    for owner in ([0, 2], [-1, 0], [0.0, 1.0], [[0, 1]]):
        with pytest.raises(StatsError) as caught:
            instance_mean(design, owner, [1.0, 2.0])
        assert caught.value.code == "bad-argument"
    with pytest.raises(StatsError) as caught:
        instance_proportions(design, [0, 1], ["a"])
    assert caught.value.code == "length-mismatch"
    with pytest.raises(StatsError) as caught:
        instance_mean(design, [0, 1], [np.nan, np.nan], what="seats")
    assert caught.value.code == "empty-base"
    assert instances_per_response(design, []).estimate == 0.0
