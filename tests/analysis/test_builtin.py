"""The built-in survey with 400 synthetic respondents from a panel of 450: the club's story."""

from __future__ import annotations

import pytest

from indagine.analysis.compute import analyse
from indagine.analysis.frame import Snapshot

PANEL = 450
# The panel's composition by type of organisation and size (a member list would give it).
MARGINS = {
    "org_type": {"inhouse": 180, "bpo": 90, "public": 60, "supplier": 90, "other": 30},
    "cc_size": {"lt50": 150, "50_249": 150, "250_999": 90, "1000plus": 60},
}


@pytest.fixture(scope="module")
def snapshot(builtin, builtin_rows):
    return Snapshot.build(builtin, builtin_rows)


@pytest.fixture(scope="module")
def findings(builtin, snapshot):
    return analyse(builtin, snapshot.frame, panel_size=PANEL)


def test_about_two_thirds_think_the_emergency_changes_organisation_consolidated(findings):
    share = findings.finding("agree_change").share
    assert share.estimate.estimate == pytest.approx(2 / 3, abs=0.04)
    assert share.consolidated == "above"
    assert share.sequence.low > 0.5 and not share.sequence.asymptotic


def test_over_80_percent_see_digital_use_increased_consolidated(findings):
    digital = findings.finding("digital_use")
    assert digital.positive == ("increased", "increased_lot")
    assert digital.share.estimate.estimate > 0.8
    assert digital.share.consolidated == "above"


def test_whether_customers_find_digital_tools_better_is_not_yet_clear(findings):
    share = findings.finding("agree_digital_better").share
    assert share.consolidated is None
    assert share.sequence.low < 0.5 < share.sequence.high


def test_moderate_agreement_that_customers_train_on_digital_tools(findings):
    mean = findings.finding("agree_digital_training").mean
    assert mean.estimate.estimate == pytest.approx(3.4, abs=0.1)
    assert (mean.threshold, mean.scale) == (3.0, (1.0, 5.0))
    assert mean.consolidated == "above"
    # the same item's share of agreement is below half: "moderately", not "most"
    assert findings.finding("agree_digital_training").share.estimate.estimate < 0.5


def test_the_share_of_staff_remote_is_a_percent_among_those_who_moved_staff(findings):
    found = findings.finding("remote_share")
    assert found.kind == "number" and found.mean.kind == "percent"
    assert found.mean.estimate.estimate > 75 and found.mean.consolidated == "above"
    base = found.base
    assert base.on_question == "remote" and base.on_choices == ("most", "part")
    assert base.description["it"] == (
        "tra chi ha messo in remote working almeno una parte del personale del contact center"
    )
    assert base.description["en"] == (
        "among those who have moved at least part of their contact-center staff to remote work"
    )
    remote = findings.finding("remote")
    assert base.asked == round(remote.share.estimate.estimate * findings.n)


def test_a_claim_that_is_not_about_the_respondent_does_not_name_a_group(findings):
    base = findings.finding("digital_channels").base
    assert base.on_question == "digital_use"
    assert base.description["en"].startswith(
        "among those who answered “Increased or Increased a lot”"
    )


def test_balance_and_continuity_lead_the_effects_clearly(findings):
    effects = next(r for r in findings.rankings if r.group == "effect4")
    assert set(effects.items[:2]) == {"effect_balance", "effect_continuity"}
    assert effects.separated == 2
    assert len(effects.items) == 7


def test_method_figures(findings):
    assert findings.n == 400 and findings.panel_size == PANEL
    assert findings.response_rate == pytest.approx(400 / 450)
    assert findings.margin_of_error == pytest.approx(1.96 * (0.25 / 400 * (1 - 400 / 450)) ** 0.5)
    assert findings.form_id == "remote_working_2020"
    assert [f.key for f in findings.items if f.kind == "scale"][:2] == ["remote", "agree_change"]


def test_raking_to_the_panels_composition_changes_estimates_and_says_so(
    builtin, snapshot, findings
):
    raked = analyse(builtin, snapshot.frame, panel_size=PANEL, margins=MARGINS)
    assert raked.weighted and raked.weighting == (
        "raked to the panel's composition by org_type and cc_size"
    )
    before = findings.finding("agree_productivity").share.estimate
    after = raked.finding("agree_productivity").share.estimate
    assert after.estimate != pytest.approx(before.estimate, abs=1e-6)
    assert after.weighted_n == pytest.approx(PANEL)
    assert "raking" in after.method
    sequence = raked.finding("agree_change").share.sequence
    assert sequence.asymptotic and "asymptotic" in sequence.method
    assert raked.margin_of_error > findings.margin_of_error  # the effective n is smaller
