"""Repeats in the snapshot and the findings: a repeat is its count of instances in the frame, its
instances a second frame (built in one go or by appending alike, saved beside the first), and
its findings are those of ``stats.instances`` on the same design as every other finding."""

from __future__ import annotations

import datetime as dt
import json
import math
import random

import numpy as np
import polars as pl
import pytest

from indagine.analysis.compute import Analysis, analyse
from indagine.analysis.frame import Snapshot, frames_from_json, instances_path
from indagine.forms.loader import load_form
from indagine.forms.model import Form
from indagine.stats.design import Design, survey_design
from indagine.stats.instances import (
    instance_mean,
    instance_multiple_choice,
    instance_proportions,
    instances_per_response,
)
from indagine.stats.weighting import post_stratify, rake

from .conftest import form_from, rows_of

SITES = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | repeat_count | relevant | constraint |
| | select_one org | org | Tipo | Type | | | |
| | integer | n_sites | Quante sedi? | How many sites? | | | . <= 20 |
| | begin_repeat | site | Sede | Site | ${n_sites} | ${n_sites} > 0 | |
| | text | city | Città | City | | | |
| | integer | seats | Postazioni | Seats | | | . > 0 |
| | select_one yn | remote | Da remoto? | Remote? | | ${seats} > 10 | |
| | select_multiple tools | tools | Strumenti | Tools | | | |
| | end_repeat | | | | | | |
| | select_one yn | happy | Soddisfatti? | Satisfied? | | | |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | yn | yes | Sì | Yes |
| | yn | no | No | No |
| | tools | vpn | VPN | VPN |
| | tools | cloud | Cloud | Cloud |
"""
# Three responses as the form stores them: two sites (the second small, so not asked whether
# remote, and no tools), no site at all (the repeat does not apply: no key), and a repeat that
# applies with no instance.
FEW = [
    {
        "org": "bpo",
        "n_sites": 2,
        "site": [
            {"city": "Roma", "seats": 30, "remote": "yes", "tools": ["vpn", "cloud"]},
            {"city": "Bari", "seats": 4},
        ],
        "happy": "yes",
    },
    {"org": "inhouse", "n_sites": 0, "happy": "no"},
    {"org": "bpo", "n_sites": 1, "site": [], "happy": "yes"},
]
PANEL = 300
ORGS = {"bpo": 180.0, "inhouse": 120.0}


@pytest.fixture(scope="module")
def form() -> Form:
    result = load_form(SITES, "sites.md")
    assert result.ok, result.issues
    assert result.form is not None
    return result.form


def synthetic(count: int, seed: int) -> list[dict]:
    """Respondents with 0 to 3 sites; a site's seats sometimes left blank, its tools often."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        k = rng.choice([0, 1, 1, 2, 3])
        answers: dict = {"org": rng.choice(["bpo", "bpo", "inhouse"]), "n_sites": k}
        answers["happy"] = rng.choice(["yes", "no"])
        if k == 0:
            out.append(answers)
            continue
        sites = []
        for _ in range(k):
            site: dict = {"city": rng.choice(["Roma", "Bari", "Torino"])}
            if rng.random() < 0.9:
                site["seats"] = rng.randint(1, 25 if answers["org"] == "bpo" else 60)
            if site.get("seats", 0) > 10:
                site["remote"] = rng.choice(["yes", "no", "no"])
            if rng.random() < 0.6:
                site["tools"] = rng.sample(["vpn", "cloud"], rng.randint(0, 2))
            sites.append(site)
        answers["site"] = sites
        out.append(answers)
    return out


def test_a_repeat_is_its_count_in_the_frame_and_its_instances_in_their_own(form):
    snap = Snapshot.build(form, rows_of(FEW))
    assert snap.frame.columns == ["_id", "_completed_at", "org", "n_sites", "happy", "site"]
    # 2 sites; did not apply (null, not 0); applied with none (0)
    assert snap.frame["site"].to_list() == [2, None, 0]
    instances = snap.instances
    assert instances.columns == [
        *("_id", "_repeat", "_index", "city", "seats", "remote"),
        *("tools/vpn", "tools/cloud"),
    ]
    assert instances.rows() == [
        (1, "site", 1, "Roma", 30.0, "yes", True, True),
        (1, "site", 2, "Bari", 4.0, None, None, None),
    ]


def test_built_in_one_go_by_appending_or_from_json_the_snapshot_is_the_same(form):
    rows = rows_of(synthetic(60, seed=1))
    whole = Snapshot.build(form, rows)
    assert whole.instances.height > 60  # more sites than respondents: really exploded
    grown = Snapshot.build(form, rows[:7]).extend(rows[7:30]).extend(rows[20:]).extend(rows[:3])
    assert grown.frame.equals(whole.frame)
    assert grown.instances.equals(whole.instances)
    texts = [json.dumps(r[2]) for r in rows]
    frame, instances = frames_from_json(form, [r[0] for r in rows], [r[1] for r in rows], texts)
    assert frame.equals(whole.frame) and instances.equals(whole.instances)
    by_json = Snapshot.empty(form).extend_json([r[0] for r in rows], [r[1] for r in rows], texts)
    assert by_json.instances.equals(whole.instances)


def test_the_instances_are_saved_beside_the_rows_and_read_only_with_their_pair(form, tmp_path):
    path = tmp_path / "survey.parquet"
    snap = Snapshot.build(form, rows_of(synthetic(30, seed=2)))
    snap.save(path, rows=7)  # several slices a file
    assert instances_path(path).exists()
    loaded = Snapshot.load(path, form)
    assert loaded is not None
    assert loaded.frame.equals(snap.frame) and loaded.instances.equals(snap.instances)
    # A later save whose rows' file never replaced this one's: the instances do not pair.
    other = tmp_path / "other.parquet"
    Snapshot.build(form, rows_of(synthetic(5, seed=3))).save(other)
    instances_path(other).replace(instances_path(path))
    assert Snapshot.load(path, form) is None
    snap.save(path)
    instances_path(path).unlink()
    assert Snapshot.load(path, form) is None


def test_a_form_without_repeats_keeps_one_file_and_no_instances(tmp_path):
    plain = form_from(
        SITES.replace("begin_repeat", "begin_group").replace("end_repeat", "end_group")
    )
    assert not plain.repeats()
    snap = Snapshot.build(plain, rows_of([{"org": "bpo", "seats": 3}]))
    assert "seats" in snap.frame.columns and snap.instances.height == 0
    snap.save(tmp_path / "plain.parquet")
    assert [p.name for p in tmp_path.iterdir()] == ["plain.parquet"]


def _design(responses: int, panel: int | None = None) -> Design:
    return survey_design(responses, fpc=panel) if panel else survey_design(responses)


def _by_hand(answers: list[dict]):
    """Each site's response (its row) and answers, read from the answer dicts themselves."""
    owner, seats, remote, tools = [], [], [], []
    for row, given in enumerate(answers):
        for site in given.get("site", []):
            owner.append(row)
            seats.append(float(site.get("seats", math.nan)))
            remote.append(site.get("remote"))
            picked = site.get("tools")
            tools.append(None if picked is None else set(picked))
    ticks = {
        c: np.array([math.nan if t is None else float(c in t) for t in tools])
        for c in ("vpn", "cloud")
    }
    applied = np.array(["site" in a for a in answers])
    return np.array(owner), np.array(seats), remote, ticks, applied


def _same(found, expected) -> None:
    got = (found.estimate, found.se, found.ci_low, found.ci_high, found.n)
    assert got == pytest.approx(
        (expected.estimate, expected.se, expected.ci_low, expected.ci_high, expected.n),
        rel=1e-9,
        abs=1e-12,
    )


@pytest.mark.parametrize("panel", [None, PANEL])
def test_instance_findings_are_the_engines_on_the_same_design(form, panel):
    answers = synthetic(80, seed=4)
    snap = Snapshot.build(form, rows_of(answers))
    found = analyse(form, snap.frame, instances=snap.instances, panel_size=panel)
    design = _design(80, panel)
    owner, seats, remote, ticks, applied = _by_hand(answers)
    count = found.finding("site")
    _same(count.mean.estimate, instances_per_response(design, owner, domain=applied))
    assert count.base.n == applied.sum() < 80 and count.repeat == "site"
    mean = found.finding("seats")
    _same(mean.mean.estimate, instance_mean(design, owner, seats))
    assert mean.base.excluded == (("skipped", int(np.isnan(seats).sum())),)
    assert mean.base.responses == len(set(owner[~np.isnan(seats)].tolist()))
    unasked = [r or "" for r in remote]  # "" for None: see repeats._choice
    shares = instance_proportions(design, owner, unasked, levels=["yes", "no"])
    remote_found = found.finding("remote").choices
    for (_, _, estimate), expected in zip(remote_found, shares.shares, strict=True):
        _same(estimate, expected)
    assert found.finding("remote").base.n == sum(r is not None for r in remote)
    # remote is asked of large sites only: which others were asked is unknown, none "skipped"
    assert found.finding("remote").base.excluded == ()
    chosen = instance_multiple_choice(design, owner, ticks)
    tools_found = found.finding("tools").choices
    for (_, _, estimate), expected in zip(tools_found, chosen.shares, strict=True):
        _same(estimate, expected)
    # Clustered, not independent: the response-level SE of the seats is not the naive one.
    naive = instance_mean(_design(len(owner), panel), np.arange(len(owner)), seats)
    assert mean.mean.estimate.se != pytest.approx(naive.se, rel=1e-3)


def test_weighted_instance_findings_take_the_calibrated_design(form):
    answers = synthetic(90, seed=5)
    snap = Snapshot.build(form, rows_of(answers))
    orgs = [a["org"] for a in answers]
    owner, seats, *_ = _by_hand(answers)
    post = analyse(
        form, snap.frame, instances=snap.instances, panel_size=PANEL, margins={"org": ORGS}
    )
    design = post_stratify(_design(90, PANEL), "org", orgs, ORGS).design
    _same(post.finding("seats").mean.estimate, instance_mean(design, owner, seats))
    unweighted = analyse(form, snap.frame, instances=snap.instances, panel_size=PANEL)
    assert post.finding("seats").mean.estimate.estimate != pytest.approx(
        unweighted.finding("seats").mean.estimate.estimate
    )
    happy = {"yes": 150.0, "no": 150.0}
    margins = {"org": ORGS, "happy": happy}
    raked = analyse(form, snap.frame, instances=snap.instances, panel_size=PANEL, margins=margins)
    data = {"org": orgs, "happy": [a["happy"] for a in answers]}
    design = rake(_design(90, PANEL), data, margins).design
    _same(raked.finding("seats").mean.estimate, instance_mean(design, owner, seats))


def test_a_segment_is_its_own_sample_of_responses_with_their_instances(form):
    answers = synthetic(70, seed=6)
    snap = Snapshot.build(form, rows_of(answers))
    segment = snap.frame.filter(pl.col("org") == "inhouse")
    found = analyse(form, segment, instances=snap.instances)
    kept = [a for a in answers if a["org"] == "inhouse"]
    owner, seats, *_ = _by_hand(kept)
    _same(found.finding("seats").mean.estimate, instance_mean(_design(len(kept)), owner, seats))
    assert found.finding("seats").base.n == int((~np.isnan(seats)).sum())


def test_updated_in_chunks_the_findings_are_those_of_one_go(form):
    snap = Snapshot.build(form, rows_of(synthetic(50, seed=7)))
    analysis = Analysis(form)
    for start, length in ((0, 13), (13, 18), (31, None)):
        analysis.update(snap.frame.slice(start, length), snap.instances)
    chunked = analysis.findings(panel_size=PANEL)
    whole = analyse(form, snap.frame, instances=snap.instances, panel_size=PANEL)
    for key in ("site", "seats", "remote", "tools"):
        ours, theirs = chunked.finding(key), whole.finding(key)
        assert ours is not None and theirs is not None
        assert ours.base == theirs.base
        pairs = [(ours.mean, theirs.mean)] if ours.mean else []
        estimates = [(a.estimate, b.estimate) for a, b in pairs]
        estimates += [(a[2], b[2]) for a, b in zip(ours.choices, theirs.choices, strict=True)]
        for a, b in estimates:
            assert (a.estimate, a.se, a.ci_low) == pytest.approx((b.estimate, b.se, b.ci_low))


def test_counts_leave_out_the_responses_the_repeat_did_not_apply_to(form):
    answers = [*FEW, {"org": "inhouse", "n_sites": 1, "site": [{"city": "Pisa", "seats": 12}]}]
    snap = Snapshot.build(form, rows_of(answers))
    found = analyse(form, snap.frame, instances=snap.instances)
    count = found.finding("site")
    # 2, 0 and 1 sites over the three responses it applied to; the one with none is left out
    assert count.mean.estimate.estimate == pytest.approx(1.0)
    assert (count.base.n, count.base.responses) == (3, 3)
    assert count.base.description == {
        "it": "media per risposta: 3 voci da 3 risposte a cui «Sede» si applicava",
        "en": "mean per response: 3 entries from 3 responses “Site” applied to",
    }
    assert count.mean.threshold != count.mean.threshold  # NaN: no status is claimed
    assert count.mean.sequence is None and count.mean.consolidated is None


def test_labels_and_bases_say_the_finding_counts_entries_and_nothing_is_empty(form):
    answers = synthetic(40, seed=8)
    snap = Snapshot.build(form, rows_of(answers))
    found = analyse(form, snap.frame, instances=snap.instances)
    # the count where the repeat starts; its text question carries no finding, as asked once
    assert [f.key for f in found.items] == [
        *("org", "n_sites", "site", "seats", "remote", "tools", "happy"),
    ]
    assert [f.repeat for f in found.items] == ["", "", "site", "site", "site", "site", ""]
    seats = found.finding("seats")
    assert seats.label == {"it": "Sede: Postazioni", "en": "Site: Seats"}
    responses = seats.base.responses
    assert seats.base.description["it"] == (
        f"conta ogni voce di «Sede», non ogni risposta: {seats.base.n} voci da {responses} risposte"
    )
    assert seats.base.description["en"].startswith("counts each entry of “Site”, not each")
    assert found.finding("site").label["it"] == "Sede: voci per risposta"
    assert all(f.base.n > 0 for f in found.items)


def test_a_question_no_instance_answered_carries_no_finding(form):
    bare = [{**a, "site": [{"city": s["city"]} for s in a.get("site", [])]} for a in FEW]
    snap = Snapshot.build(form, rows_of(bare))
    found = analyse(form, snap.frame, instances=snap.instances)
    assert found.finding("seats") is None and found.finding("tools") is None
    assert found.finding("site") is not None


def test_a_form_with_repeats_is_never_analysed_without_its_instances(form):
    snap = Snapshot.build(form, rows_of(FEW))
    with pytest.raises(ValueError, match="instances"):
        analyse(form, snap.frame)


def test_times_do_not_matter_to_the_instances(form):
    late = [(9, dt.datetime(2021, 1, 1, tzinfo=dt.UTC), FEW[0])]
    snap = Snapshot.build(form, rows_of(FEW[1:])).extend(late)
    assert snap.instances["_id"].to_list() == [9, 9]
