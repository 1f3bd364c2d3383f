"""Ranking questions in the analysis: the same numbers as ``stats.ranking.rank_summary``."""

from __future__ import annotations

import numpy as np
import pytest

from indagine.analysis.compute import Analysis, analyse
from indagine.analysis.frame import frame_from_rows
from indagine.stats import design, ranking, sequences, weighting

from .conftest import form_from, rows_of

FORM = """
| survey |
| | type | name | label::Italiano (it) | label::English (en) | relevant |
| | select_one org | org | Tipo | Type | |
| | rank tools | tools | Strumenti in ordine | Tools in order | |
| | select_one yesno | remote | Remoto? | Remote? | |
| | rank why | why | Perché, in ordine | Why, in order | ${remote} = 'yes' |
| choices |
| | list_name | name | label::Italiano (it) | label::English (en) |
| | org | bpo | BPO | BPO |
| | org | inhouse | Interno | In-house |
| | tools | chat | Chat | Chat |
| | tools | mail | Posta | Mail |
| | tools | video | Video | Video |
| | tools | wiki | Wiki | Wiki |
| | yesno | yes | Sì | Yes |
| | yesno | no | No | No |
| | why | cost | Costi | Cost |
| | why | time | Tempo | Time |
| | why | people | Persone | People |
"""
TOOLS = ["chat", "mail", "video", "wiki"]
WHY = ["cost", "time", "people"]


def _answers(n: int, seed: int = 3) -> list[dict]:
    """Chat mostly first among BPOs; a quarter rank only their top two; some skip."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        org = str(rng.choice(["bpo", "inhouse"], p=[0.4, 0.6]))
        a: dict = {"org": org, "remote": str(rng.choice(["yes", "no"], p=[0.6, 0.4]))}
        weights = np.array([6.0 if org == "bpo" else 3.0, 1.0, 1.5, 0.5])
        order = rng.choice(TOOLS, size=4, replace=False, p=weights / weights.sum())
        keep = 2 if rng.random() < 0.25 else 4
        if rng.random() < 0.9:
            a["tools"] = " ".join(order[:keep])
        if a["remote"] == "yes" and rng.random() < 0.8:
            a["why"] = " ".join(rng.permutation(WHY))
        out.append(a)
    return out


@pytest.fixture(scope="module")
def form():
    return form_from(FORM)


@pytest.fixture(scope="module")
def data(form):
    answers = _answers(240)
    return answers, frame_from_rows(form, rows_of(answers))


def _orders(answers, name):
    return [a.get(name) for a in answers]


def _agree(found, ref, rel=1e-9):
    """Each item's mean rank and first share with their SEs and intervals, as the engine's."""
    assert [r.name for r in found.ranks] == sorted(
        ref.items, key=lambda i: ref.mean_rank_of(i).estimate
    )
    for item in found.ranks:
        got, want = item.mean_rank.estimate, ref.mean_rank_of(item.name)
        assert got.what == want.what and got.base == want.base and got.excluded == want.excluded
        for attr in ("estimate", "se", "ci_low", "ci_high", "weighted_n"):
            assert getattr(got, attr) == pytest.approx(getattr(want, attr), rel=rel), attr
        assert got.n == want.n
        got, want = item.first.estimate, ref.first_of(item.name)
        assert got.what == want.what and got.excluded == want.excluded
        for attr in ("estimate", "se", "ci_low", "ci_high"):
            assert getattr(got, attr) == pytest.approx(getattr(want, attr), rel=rel, abs=1e-12)


@pytest.mark.parametrize("panel", [None, 500])
def test_a_rankings_mean_ranks_and_first_shares_are_the_engines(form, data, panel):
    answers, frame = data
    found = analyse(form, frame, panel_size=panel).finding("tools")
    assert found.kind == "ranking" and found.share is None and found.mean is None
    d = design.survey_design(240, fpc=panel)
    ref = ranking.rank_summary(d, _orders(answers, "tools"), TOOLS, what="tools")
    assert found.base.n == ref.n and found.base.excluded == ref.excluded
    _agree(found, ref)
    assert sum(i.mean_rank.estimate.estimate for i in found.ranks) == pytest.approx(10.0)
    assert found.ranks[0].name == "chat"
    assert {i.name: i.label["en"] for i in found.ranks}["mail"] == "Mail"


def test_post_stratified_and_raked_rankings_are_the_engines(form, data):
    answers, frame = data
    org = [a["org"] for a in answers]
    d = design.survey_design(240, fpc=500)
    margins = {"org": {"bpo": 250, "inhouse": 250}}
    found = analyse(form, frame, panel_size=500, margins=margins).finding("tools")
    post = weighting.post_stratify(d, "org", org, margins["org"]).design
    _agree(found, ranking.rank_summary(post, _orders(answers, "tools"), TOOLS, what="tools"))
    both = {"org": {"bpo": 200, "inhouse": 300}, "remote": {"yes": 300, "no": 200}}
    found = analyse(form, frame, panel_size=500, margins=both).finding("tools")
    raked = weighting.rake(d, {"org": org, "remote": [a["remote"] for a in answers]}, both).design
    _agree(found, ranking.rank_summary(raked, _orders(answers, "tools"), TOOLS, what="tools"))
    assert all(i.first.sequence.asymptotic for i in found.ranks)


def test_a_conditional_rankings_base_is_those_asked(form, data):
    answers, frame = data
    found = analyse(form, frame).finding("why")
    asked = sum(a["remote"] == "yes" for a in answers)
    assert found.base.conditional and found.base.asked == asked
    assert found.base.n == sum("why" in a for a in answers)
    ref = ranking.rank_summary(design.survey_design(240), _orders(answers, "why"), WHY, what="why")
    _agree(found, ref)


def test_the_sequences_are_the_engines_on_each_items_ranks(form, data):
    answers, frame = data
    item = next(i for i in analyse(form, frame, panel_size=500).finding("tools").ranks)
    parsed = ranking.parse_rankings(_orders(answers, "tools"), TOOLS)
    ranks = parsed.ranks[parsed.answered, TOOLS.index(item.name)]
    skipped = 240 - int(parsed.answered.sum())
    cs = sequences.betting_without_replacement((ranks - 1) / 3, 500 - skipped)
    assert item.mean_rank.sequence.low == pytest.approx(1 + 3 * cs.lower[-1])
    assert item.mean_rank.sequence.high == pytest.approx(1 + 3 * cs.upper[-1])
    assert item.mean_rank.threshold == 2.5 and item.mean_rank.scale == (1.0, 4.0)
    assert item.mean_rank.consolidated == sequences.consolidated(cs, 0.5).side
    first = (ranks == 1).astype(float)
    cs = sequences.betting_without_replacement(first, 500 - skipped)
    assert (item.first.sequence.low, item.first.sequence.high) == (cs.lower[-1], cs.upper[-1])
    assert item.first.threshold == 0.25
    assert item.first.consolidated == sequences.consolidated(cs, 0.25).side


def test_the_tally_adds_up_chunk_by_chunk(form, data):
    _, frame = data
    whole = analyse(form, frame, panel_size=500).finding("tools")
    analysis = Analysis(form)
    for start in range(0, 240, 70):
        analysis.update(frame.slice(start, 70))
    chunked = analysis.findings(panel_size=500).finding("tools")
    for a, b in zip(whole.ranks, chunked.ranks, strict=True):
        assert a.name == b.name and a.first.sequence == b.first.sequence
        assert a.mean_rank.estimate.se == pytest.approx(b.mean_rank.estimate.se, rel=1e-12)


def test_an_answer_that_is_not_a_ranking_of_the_choices_counts_as_unanswered(form):
    answers = [{"org": "bpo", "remote": "no", "tools": t} for t in ("chat mail", "mail chat")]
    answers += [
        {"org": "bpo", "remote": "no", "tools": "chat chat"},
        {"org": "bpo", "remote": "no", "tools": "fax"},
    ]
    found = analyse(form, frame_from_rows(form, rows_of(answers))).finding("tools")
    assert found.base.n == 2 and found.base.excluded == (("skipped", 2),)
