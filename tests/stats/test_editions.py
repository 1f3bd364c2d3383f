"""The change between two editions (#18.2, #18.5): agreeing with R's survey on two independent
samples of different designs, Holm's adjustment as R's p.adjust, and the error of the open
edition's change checked by simulation at every look at once."""

from __future__ import annotations

import numpy as np
import pytest

from indagine.stats import sequences
from indagine.stats.design import survey_design
from indagine.stats.editions import change, holm, judged, while_open
from indagine.stats.estimates import Estimate, mean
from stats.conftest import read

pytestmark = pytest.mark.pure
REL = 1e-9


def _designs():
    before, after = read("edition_before"), read("edition_after")
    first = survey_design(weights=before["w"], strata=before["stratum"], fpc=before["N"])
    clusters = [f"{s}-{c}" for s, c in zip(after["stratum"], after["cluster"], strict=True)]
    second = survey_design(
        weights=after["w"], strata=after["stratum"], clusters=clusters, fpc=after["Npsu"]
    )
    return (before, first), (after, second)


@pytest.mark.parametrize("variable", ["x", "y"])
def test_a_change_agrees_with_svycontrast_and_svyttest(variable, reference):
    (before, first), (after, second) = _designs()
    assert first.degrees_of_freedom == reference["edition_before.df"]
    assert second.degrees_of_freedom == reference["edition_after.df"]
    a, b = (
        mean(first, before[variable], what=variable),
        mean(second, after[variable], what=variable),
    )
    for name, estimate in (("before", a), ("after", b)):
        assert estimate.estimate == pytest.approx(
            reference[f"edition_{name}.{variable}.est"], rel=REL
        )
        assert estimate.se == pytest.approx(reference[f"edition_{name}.{variable}.se"], rel=REL)
    found = change(a, first.degrees_of_freedom, b, second.degrees_of_freedom)
    key = f"edition_change.{variable}"
    assert found.difference == pytest.approx(reference[f"{key}.est"], rel=REL)
    assert found.se == pytest.approx(reference[f"{key}.se"], rel=REL)
    assert found.df == reference[f"{key}.df"]
    assert found.t == pytest.approx(reference[f"{key}.t"], rel=REL)
    assert found.p == pytest.approx(reference[f"{key}.p"], rel=1e-7)
    assert found.ci_low == pytest.approx(reference[f"{key}.low"], rel=REL)
    assert found.ci_high == pytest.approx(reference[f"{key}.high"], rel=REL)


def test_the_constructed_truth_a_clear_rise_and_a_mean_within_noise():
    (before, first), (after, second) = _designs()
    share = change(mean(first, before["x"]), first.degrees_of_freedom, mean(second, after["x"]), 19)
    level = change(mean(first, before["y"]), first.degrees_of_freedom, mean(second, after["y"]), 19)
    assert share.evident and share.difference > 0.1
    assert not level.evident
    assert judged([share, level]) == [True, False]


def test_holm_is_r_p_adjust():
    # p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "holm") in R
    found = holm([0.01, 0.04, 0.03, 0.005, 0.5])
    assert found == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.5])
    assert holm([]) == []


def _estimate(value: float, se: float) -> Estimate:
    return Estimate("share", value, se, value - 2 * se, value + 2 * se, 0.95, "wald", 100, 100.0)


def test_holm_keeps_changes_within_noise_from_being_called_clear():
    noise = [change(_estimate(0.5, 0.05), 99, _estimate(0.5 + d, 0.05), 99) for d in (0.01, -0.02)]
    rise = change(_estimate(0.5, 0.03), 99, _estimate(0.7, 0.03), 99)
    assert judged([*noise, rise]) == [False, False, True]


def test_looking_every_day_at_an_open_edition_keeps_its_error():
    """No change, a closed first edition and an open second one looked at after every 10
    answers: the share of runs ever called evident stays under alpha (a fixed interval at
    each look, by contrast, goes well over it)."""
    rng = np.random.default_rng(7)
    runs, n, alpha = 300, 400, 0.05
    looks = np.arange(20, n + 1, 10)
    ever, naive_ever = 0, 0
    for _ in range(runs):
        first = (rng.random(300) < 0.6).astype(float)
        design = survey_design(300)
        closed = mean(design, first)
        second = (rng.random(n) < 0.6).astype(float)
        sequence = sequences.asymptotic(second, alpha=alpha / 2, looks=looks)
        called = False
        naive = False
        for look in looks:
            low, high = sequence.at(int(look))
            shown = second[:look].mean()
            if while_open(closed, 299, shown, low, high, alpha).evident:
                called = True
            so_far = mean(survey_design(int(look)), second[:look])
            if change(closed, 299, so_far, int(look) - 1).evident:
                naive = True
        ever += called
        naive_ever += naive
    assert ever / runs <= alpha
    assert naive_ever / runs > 2 * alpha  # what looking every day does to a fixed interval
