"""analyse() on small constructed data: the same numbers as direct `indagine.stats` calls."""

from __future__ import annotations

import math

import numpy as np
import pytest

from indagine.analysis.anytime import asymptotic_at_end
from indagine.analysis.compute import analyse, margin_of_error, rankings, separated
from indagine.analysis.contrasts import holm
from indagine.analysis.frame import frame_from_rows
from indagine.analysis.multiple import ticked_shares
from indagine.stats import design, estimates, likert, sequences, weighting

from .conftest import form_from, rows_of

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | relevant | constraint | claim::it | claim::en |
| | begin_group | p1 | Profilo | Profile | | | | |
| | select_one org | org | Tipo | Type | | | | |
| | end_group | | | | | | | |
| | select_one agree5 | a1 | Uno | One | | | l'uno vale | one holds |
| | select_one agree5 | a2 | Due | Two | | | | |
| | select_one agree5 | a3 | Tre | Tre | | | | |
| | select_one remote | remote | Remoto? | Remote? | | | ha lavorato da remoto | have worked remotely |
| | decimal | pct | Quota | Share | selected(${remote}, 'yes') | . >= 0 and . <= 100 | | |
| | integer | days | Giorni | Days | ${remote} = 'yes' | . >= 0 and . <= 30 | | |
| | select_multiple tools | tools | Strumenti | Tools | | | | |
| | text | why | Perché? | Why? | selected(${remote}, 'no') | | | |
| | select_one yesno | ok | Va bene? | OK? | string-length(${why}) > 0 | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) | score |
| | org | bpo | BPO | BPO | |
| | org | inhouse | Interno | In-house | |
| | agree5 | 1 | Per nulla | Not at all | 1 |
| | agree5 | 2 | Poco | Slightly | 2 |
| | agree5 | 3 | Né né | Neither | 3 |
| | agree5 | 4 | Abbastanza | Fairly | 4 |
| | agree5 | 5 | Del tutto | Completely | 5 |
| | remote | yes | Sì | Yes | 2 |
| | remote | no | No | No | 1 |
| | tools | vpn | VPN | VPN | |
| | tools | cloud | Cloud | Cloud | |
| | yesno | yes | Sì | Yes | |
| | yesno | no | No | No | |
"""


def _answers(n: int, seed: int = 7) -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        org = str(rng.choice(["bpo", "inhouse"], p=[0.4, 0.6]))
        lift = 1 if org == "bpo" else 0  # BPOs agree more with a1: a contrast in the data
        a: dict = {
            "org": org,
            "a1": str(
                min(5, int(rng.choice([1, 2, 3, 4, 5], p=[0.05, 0.1, 0.2, 0.4, 0.25])) + lift)
            ),
            "a2": str(rng.choice(["1", "2", "3", "4", "5"], p=[0.1, 0.2, 0.3, 0.25, 0.15])),
            "a3": str(rng.choice(["1", "2", "3", "4", "5"], p=[0.3, 0.3, 0.2, 0.1, 0.1])),
            "remote": str(rng.choice(["yes", "no"], p=[0.7, 0.3])),
        }
        if a["remote"] == "yes":
            a["pct"] = float(np.clip(rng.normal(75, 15), 0, 100))
            a["days"] = int(rng.integers(0, 31))
        elif rng.random() < 0.5:
            a["why"] = "perché"
            a["ok"] = "yes"
        if rng.random() < 0.9:
            a["tools"] = [t for t in ("vpn", "cloud") if rng.random() < 0.6] or ["vpn"]
        out.append(a)
    return out


@pytest.fixture(scope="module")
def form():
    return form_from(FORM)


@pytest.fixture(scope="module")
def data(form):
    answers = _answers(300)
    return answers, frame_from_rows(form, rows_of(answers))


def _column(answers, name, cast=str):
    return np.array([cast(a[name]) if name in a else np.nan for a in answers], dtype=object)


def test_a_scale_item_has_the_engines_top_box_mean_and_distribution(form, data):
    answers, frame = data
    found = analyse(form, frame, panel_size=500).finding("a2")
    d = design.survey_design(300, fpc=500)
    ref = likert.likert(d, [a["a2"] for a in answers], ["1", "2", "3", "4", "5"], what="a2")
    assert found.kind == "scale" and found.positive == ("4", "5")
    share, mean = found.share, found.mean
    assert share.estimate.estimate == pytest.approx(ref.top2.estimate, rel=1e-12)
    assert share.estimate.se == pytest.approx(ref.top2.se, rel=1e-10)
    assert (share.estimate.ci_low, share.estimate.ci_high) == pytest.approx(
        (ref.top2.ci_low, ref.top2.ci_high), rel=1e-10
    )
    assert mean.estimate.estimate == pytest.approx(ref.mean.estimate, rel=1e-12)
    assert mean.estimate.se == pytest.approx(ref.mean.se, rel=1e-10)
    assert (share.threshold, mean.threshold, mean.scale) == (0.5, 3.0, (1.0, 5.0))
    for (name, _, est), dist in zip(found.choices, ref.distribution, strict=True):
        assert est.estimate == pytest.approx(dist.estimate, rel=1e-12), name
        assert est.ci_low == pytest.approx(dist.ci_low, rel=1e-10)


def test_a_scale_items_sequences_are_the_engines_without_replacement_ones(form, data):
    answers, frame = data
    found = analyse(form, frame, panel_size=500).finding("a2")
    agree = np.array([a["a2"] in ("4", "5") for a in answers], dtype=float)
    cs = sequences.betting_without_replacement(agree, 500)
    assert (found.share.sequence.low, found.share.sequence.high) == (cs.lower[-1], cs.upper[-1])
    assert found.share.sequence.method == cs.method and not found.share.sequence.asymptotic
    assert found.share.consolidated == sequences.consolidated(cs, 0.5).side
    scores = np.array([int(a["a2"]) for a in answers], dtype=float)
    cs_mean = sequences.betting_without_replacement((scores - 1) / 4, 500)
    assert found.mean.sequence.low == pytest.approx(1 + 4 * cs_mean.lower[-1])
    assert found.mean.sequence.high == pytest.approx(1 + 4 * cs_mean.upper[-1])
    assert found.mean.consolidated == sequences.consolidated(cs_mean, 0.5).side


def test_without_a_panel_size_sequences_are_hedged_betting_and_no_fpc(form, data):
    answers, frame = data
    found = analyse(form, frame).finding("a1")
    agree = np.array([a["a1"] in ("4", "5") for a in answers], dtype=float)
    cs = sequences.betting(agree)
    assert (found.share.sequence.low, found.share.sequence.high) == (cs.lower[-1], cs.upper[-1])
    assert "finite population" not in found.share.estimate.method


def test_the_sequence_follows_the_order_of_completion_not_of_ids(form, data):
    _, frame = data
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=3)
    a = analyse(form, frame, panel_size=500).finding("a3").share.sequence
    b = analyse(form, shuffled, panel_size=500).finding("a3").share.sequence
    assert a == b


def test_choices_multiple_choices_and_numbers_match_the_engine(form, data):
    answers, frame = data
    found = analyse(form, frame, panel_size=500)
    d = design.survey_design(300, fpc=500)
    org = estimates.proportions(d, [a["org"] for a in answers], levels=["bpo", "inhouse"])
    assert found.finding("org").kind == "choice"
    for (_, _, est), ref in zip(found.finding("org").choices, org.shares, strict=True):
        assert est.estimate == pytest.approx(ref.estimate) and est.ci_low == pytest.approx(
            ref.ci_low
        )
    ticks = {
        t: [float(t in a["tools"]) if "tools" in a else np.nan for a in answers]
        for t in ("vpn", "cloud")
    }
    tools = estimates.multiple_choice(d, ticks)
    got = found.finding("tools")
    assert got.kind == "multiple" and got.base.n == tools.n
    assert got.base.excluded == tools.excluded
    for (_, _, est), ref in zip(got.choices, tools.shares, strict=True):
        assert est.estimate == pytest.approx(ref.estimate) and est.se == pytest.approx(ref.se)
    pct = np.array([a.get("pct", np.nan) for a in answers], dtype=float)
    ref_mean = estimates.mean(d, pct, what="pct")
    mean = found.finding("pct").mean
    assert mean.kind == "percent" and mean.threshold == 50.0 and mean.scale == (0.0, 100.0)
    assert mean.estimate.estimate == pytest.approx(ref_mean.estimate)
    assert mean.estimate.se == pytest.approx(ref_mean.se)
    # a conditional base: with-replacement betting (the group's size in the panel is unknown)
    cs = sequences.betting(pct[~np.isnan(pct)] / 100)
    assert mean.sequence.low == pytest.approx(100 * cs.lower[-1])
    days = found.finding("days").mean
    assert days.kind == "mean" and math.isnan(days.threshold) and days.consolidated is None


def test_texts_and_notes_carry_no_finding_and_every_other_question_does(form, data):
    _, frame = data
    keys = [f.key for f in analyse(form, frame).items]
    assert keys == ["org", "a1", "a2", "a3", "remote", "pct", "days", "tools", "ok"]


def test_conditional_bases_are_named_by_the_claim_by_the_answers_or_as_asked(form, data):
    answers, frame = data
    found = analyse(form, frame, panel_size=500)
    remote_yes = sum(a["remote"] == "yes" for a in answers)
    pct = found.finding("pct").base
    assert pct.conditional and pct.on_question == "remote" and pct.on_choices == ("yes",)
    assert pct.asked == remote_yes and pct.n == remote_yes and pct.excluded == ()
    assert pct.description == {
        "it": "tra chi ha lavorato da remoto",
        "en": "among those who have worked remotely",
    }
    days = found.finding("days").base  # `${remote} = 'yes'` is the same condition
    assert days.on_question == "remote" and days.description == pct.description
    ok = found.finding("ok").base
    assert ok.on_question is None and ok.on_choices == ()
    assert ok.description == {
        "it": "tra chi ha ricevuto la domanda",
        "en": "among those who were asked",
    }
    assert not found.finding("a1").base.conditional
    tools = found.finding("tools").base
    assert tools.asked == 300 and tools.excluded == (("skipped", 300 - tools.n),)


def test_a_condition_on_answers_that_are_not_the_upper_half_names_the_answers():
    form = form_from(FORM.replace("selected(${remote}, 'yes')", "selected(${remote}, 'no')"))
    frame = frame_from_rows(
        form,
        rows_of([{"org": "bpo", "remote": "no", "pct": 10.0}, {"org": "bpo", "remote": "yes"}]),
    )
    base = analyse(form, frame).finding("pct").base
    assert base.description == {
        "it": "tra chi ha risposto «No» alla domanda «Remoto?»",
        "en": "among those who answered “No” to “Remote?”",
    }
    assert (base.asked, base.n) == (1, 1)


def test_post_stratifying_to_one_margin_matches_the_engine_and_marks_weighted(form, data):
    answers, frame = data
    margins = {"org": {"bpo": 250, "inhouse": 250}}
    found = analyse(form, frame, panel_size=500, margins=margins)
    assert found.weighted and "post-stratified" in found.weighting and "org" in found.weighting
    d = design.survey_design(300, fpc=500)
    org = [a["org"] for a in answers]
    calibrated = weighting.post_stratify(d, "org", org, margins["org"]).design
    ref = likert.likert(calibrated, [a["a1"] for a in answers], ["1", "2", "3", "4", "5"])
    share = found.finding("a1").share
    assert share.estimate.estimate == pytest.approx(ref.top2.estimate, rel=1e-12)
    assert share.estimate.se == pytest.approx(ref.top2.se, rel=1e-10)
    unweighted = analyse(form, frame, panel_size=500).finding("a1").share.estimate.estimate
    assert share.estimate.estimate != pytest.approx(unweighted)
    agree = np.array([a["a1"] in ("4", "5") for a in answers], dtype=float)
    cs = sequences.asymptotic(agree, calibrated.weights)
    assert share.sequence.asymptotic and "asymptotic" in share.sequence.method
    assert (share.sequence.low, share.sequence.high) == pytest.approx((cs.lower[-1], cs.upper[-1]))
    effective = weighting.weighting_effect(calibrated.weights).effective_n
    assert found.margin_of_error == pytest.approx(margin_of_error(300, 500, effective))


def test_raking_to_two_margins_matches_the_engine(form, data):
    answers, frame = data
    margins = {"org": {"bpo": 200, "inhouse": 300}, "remote": {"yes": 400, "no": 100}}
    found = analyse(form, frame, panel_size=500, margins=margins)
    assert found.weighting == "raked to the panel's composition by org and remote"
    d = design.survey_design(300, fpc=500)
    raked = weighting.rake(
        d, {"org": [a["org"] for a in answers], "remote": [a["remote"] for a in answers]}, margins
    ).design
    ref = likert.likert(raked, [a["a3"] for a in answers], ["1", "2", "3", "4", "5"])
    assert found.finding("a3").mean.estimate.estimate == pytest.approx(ref.mean.estimate)
    assert found.finding("a3").mean.estimate.se == pytest.approx(ref.mean.se, rel=1e-9)


def test_a_margin_naming_an_unknown_choice_is_refused(form, data):
    with pytest.raises(ValueError, match="lacks"):
        analyse(form, data[1], margins={"org": {"bpo": 1, "public": 2}})


def test_a_contrast_built_into_the_data_is_found_with_its_segment(form):
    answers = _answers(1500, seed=11)
    frame = frame_from_rows(form, rows_of(answers))
    found = analyse(form, frame, panel_size=3000)
    contrast = next(c for c in found.contrasts if c.finding == "a1")
    assert contrast.by == "org" and contrast.p_value < 0.05
    assert contrast.segment == "bpo" and contrast.segment_label["en"] == "BPO"
    assert contrast.segment_share.estimate > contrast.overall_share.estimate
    assert {c.finding for c in found.contrasts} == {"a1"}


def test_a_contrast_stands_when_a_profile_level_never_reaches_the_item(form):
    """Public bodies skip a1 (its condition): their row of the crosstab would be empty, its
    Pearson X² 0/0, and the contrast between BPOs and in-house centres lost with it."""
    text = FORM.replace(
        "| | org | inhouse | Interno | In-house | |",
        "| | org | inhouse | Interno | In-house | |\n| | org | public | Ente | Public body | |",
    )
    text = text.replace(
        "| | select_one agree5 | a1 | Uno | One | |",
        "| | select_one agree5 | a1 | Uno | One | ${org} != 'public' |",
    )
    conditional = form_from(text)
    answers = _answers(1500, seed=11)
    for a in answers[::5]:
        a["org"] = "public"
        del a["a1"]
    frame = frame_from_rows(conditional, rows_of(answers))
    found = analyse(conditional, frame, panel_size=3000)
    contrast = next(c for c in found.contrasts if c.finding == "a1")
    assert contrast.by == "org" and contrast.segment == "bpo" and contrast.p_value < 0.05


def test_holm_adjusts_step_down():
    assert holm([0.01, 0.04, 0.03, 0.5]) == pytest.approx([0.04, 0.09, 0.09, 0.5])


def test_a_ranking_names_leaders_only_when_their_intervals_clear_the_rest(form, data):
    _, frame = data
    found = analyse(form, frame)
    (ranking,) = found.rankings
    assert ranking.group == "agree5" and ranking.items[0] == "a1"
    assert set(ranking.items) == {"a1", "a2", "a3"}
    ranked = [found.finding(k) for k in ranking.items]
    assert ranking.separated == separated(ranked)
    assert rankings([f for f in found.items if f.key != "a3"]) == ()  # two items: no ranking


def test_findings_say_n_response_rate_and_margin_of_error(form, data):
    _, frame = data
    found = analyse(form, frame, panel_size=500)
    assert (found.n, found.panel_size, found.response_rate) == (300, 500, 0.6)
    assert found.margin_of_error == pytest.approx(1.96 * math.sqrt(0.25 / 300 * (1 - 300 / 500)))
    assert not found.weighted and found.weighting == "unweighted"
    assert analyse(form, data[1]).margin_of_error == pytest.approx(1.96 * math.sqrt(0.25 / 300))
    empty = analyse(form, data[1].head(0))
    assert empty.n == 0 and empty.items == () and empty.margin_of_error is None


@pytest.mark.parametrize("weighted", [False, True])
def test_the_asymptotic_bound_at_the_end_is_the_engines_last_look(weighted):
    rng = np.random.default_rng(5)
    y = rng.integers(1, 6, 2000).astype(float)
    w = rng.uniform(0.5, 2.0, 2000) if weighted else None
    cs = sequences.asymptotic(y, w, alpha=0.05)
    low, high = asymptotic_at_end(y, w, 0.05)
    assert (low, high) == pytest.approx((cs.lower[-1], cs.upper[-1]), rel=1e-12)


def test_beyond_exact_up_to_sequences_are_asymptotic_and_say_so(form, data):
    _, frame = data
    found = analyse(form, frame, panel_size=500, exact_up_to=100).finding("a2").share.sequence
    assert (
        found.asymptotic
        and found.method.startswith("asymptotic")
        and "weighted" not in found.method
    )


def test_multiple_choice_by_tick_patterns_equals_the_engine_on_a_raked_design():
    rng = np.random.default_rng(9)
    n = 500
    matrix = (rng.random((n, 4)) < [0.2, 0.5, 0.7, 0.1]).astype(float)
    matrix[rng.random(n) < 0.15] = np.nan
    base = design.survey_design(n, fpc=800)
    a, b = rng.choice(["x", "y"], n), rng.choice(["u", "v", "z"], n)
    raked = weighting.rake(
        base, {"a": a, "b": b}, {"a": {"x": 300, "y": 500}, "b": {"u": 200, "v": 300, "z": 300}}
    ).design
    names = ["c0", "c1", "c2", "c3"]
    for d in (base, raked):
        ref = estimates.multiple_choice(d, {c: matrix[:, j] for j, c in enumerate(names)})
        got = ticked_shares(d, matrix, names, what="item")
        assert got.excluded == ref.excluded and got.n == ref.n
        for mine, theirs in zip(got.shares, ref.shares, strict=True):
            assert mine.estimate == pytest.approx(theirs.estimate, rel=1e-12)
            assert mine.se == pytest.approx(theirs.se, rel=1e-9)
            assert mine.ci_high == pytest.approx(theirs.ci_high, rel=1e-9)


TWO_GRIDS = """
| survey |
| | type | name | label | appearance |
| | begin_group | work | Work | table-list |
| | select_one agree | w1 | Workload | |
| | select_one agree | w2 | Pay | |
| | select_one agree | w3 | Hours | |
| | end_group | | | |
| | begin_group | club | The club | table-list |
| | select_one agree | c1 | Events | |
| | select_one agree | c2 | Letters | |
| | select_one agree | c3 | Website | |
| | end_group | | | |
| | select_one agree | alone | On its own | |
| choices |
| | list_name | name | label | score |
| | agree | 1 | No | 1 |
| | agree | 2 | Partly | 2 |
| | agree | 3 | Yes | 3 |
"""


def test_each_grid_is_its_own_chart_and_ranking_though_they_share_a_scale():
    """Two batteries on one scale: each grid's rows are compared among themselves (one
    diverging chart, one ranking), and a lone question on the scale goes with neither."""
    grid_form = form_from(TWO_GRIDS)
    rng = np.random.default_rng(3)
    names = ("w1", "w2", "w3", "c1", "c2", "c3", "alone")
    answers = [{n: str(rng.integers(1, 4)) for n in names} for _ in range(120)]
    findings = analyse(grid_form, frame_from_rows(grid_form, rows_of(answers)))
    groups = {name: findings.finding(name).group for name in names}
    assert groups == {
        **dict.fromkeys(("w1", "w2", "w3"), "table:work"),
        **dict.fromkeys(("c1", "c2", "c3"), "table:club"),
        "alone": "agree",
    }
    assert {r.group for r in rankings(findings.items)} == {"table:work", "table:club"}
