"""Findings compared across editions (#18.2), on editions whose truth is known by
construction: a clear rise, a difference within noise, a renamed question, an edition given
only as its published tables; judged at the close (Holm) and while open (anytime)."""

from __future__ import annotations

import random

import pytest

from analysis.conftest import form_from, rows_of
from indagine.analysis.compute import analyse
from indagine.analysis.editions import Earlier, trends
from indagine.analysis.frame import frame_from_rows

pytestmark = pytest.mark.pure

FORM = """
| survey |
| | type | name | label | appearance | claim |
| | select_one agree | change | Is the job changing? | likert | the job is changing |
| | integer | agents | How many agents? | | |
| | select_one kind | {kind} | Organisation | | |
| choices |
| | list_name | name | label | score |
| | agree | 1 | Not at all | 1 |
| | agree | 2 | Little | 2 |
| | agree | 3 | Some | 3 |
| | agree | 4 | Much | 4 |
| | agree | 5 | Very much | 5 |
| | kind | bpo | BPO | |
| | kind | inhouse | In-house | |
| | kind | public | Public | |
| settings |
| | form_title | form_id |
| | Club | club |
"""


def _edition(seed: int, agree: float, kind: str, n: int = 300):
    """n respondents: the upper half of the scale with probability `agree`."""
    form = form_from(FORM.format(kind=kind))
    rng = random.Random(seed)
    answers = []
    for _ in range(n):
        top = rng.random() < agree
        answers.append(
            {
                "change": rng.choice(["4", "5"]) if top else rng.choice(["1", "2", "3"]),
                "agents": rng.randint(20, 80),
                kind: rng.choices(["bpo", "inhouse", "public"], [0.3, 0.5, 0.2])[0],
            }
        )
    return analyse(form, frame_from_rows(form, rows_of(answers)))


@pytest.fixture(scope="module")
def editions():
    earlier = _edition(2020, 0.5, "kind")
    later = _edition(2021, 0.7, "org_kind")  # renamed since: matched by its previous name
    names = {"change": "change", "agents": "agents", "org_kind": "kind"}
    tables = {"kind": {"n": 150, "shares": {"bpo": 0.3, "inhouse": 0.5, "public": 0.2}}}
    before = [
        Earlier("2019", {"org_kind": "kind"}, tables=tables),
        Earlier("2020", names, findings=earlier),
    ]
    return later, before


def _by(found, key, choice=""):
    return next(t for t in found if t.key == key and t.choice == choice)


def test_at_the_close_a_clear_rise_is_clear_and_noise_is_not(editions):
    later, before = editions
    found = trends(later, "2021", before, is_open=False)
    rise = _by(found, "change")
    assert rise.kind == "share" and [p.edition for p in rise.points] == ["2020", "2021"]
    assert rise.points[0].estimate.estimate == pytest.approx(0.5, abs=0.06)
    assert rise.change is not None and rise.change.difference > 0.1 and rise.clear
    assert rise.judged == "close"
    agents = _by(found, "agents")
    assert agents.kind == "mean" and agents.change is not None and not agents.clear
    for choice in ("bpo", "inhouse", "public"):
        same = _by(found, "org_kind", choice)
        assert [p.edition for p in same.points] == ["2019", "2020", "2021"]
        assert same.points[0].from_tables and same.points[0].estimate.n == 150
        assert not same.clear


def test_holm_is_across_every_change(editions):
    later, before = editions
    found = trends(later, "2021", before, is_open=False)
    tested = [t for t in found if t.change is not None]
    assert len(tested) == 5  # the share, the mean, three choices
    clear = [t for t in tested if t.clear]
    assert all(t.change.p * len(tested) < 0.05 or t.change.p < 0.05 for t in clear)


def test_while_open_a_change_is_judged_at_every_look(editions):
    later, before = editions
    found = trends(later, "2021", before, is_open=True)
    rise = _by(found, "change")
    assert rise.judged == "anytime" and rise.open_change is not None and rise.clear
    closed_interval = rise.change
    assert closed_interval is not None
    # wider than the interval at the close: looking every day costs width
    assert rise.open_change.lower < closed_interval.ci_low
    assert (
        _by(found, "org_kind", "bpo").judged == "later" and not _by(found, "org_kind", "bpo").clear
    )


def test_a_question_new_in_this_edition_has_no_trend(editions):
    later, before = editions
    found = trends(later, "2021", [Earlier("2020", {}, findings=before[1].findings)], is_open=False)
    assert found == ()


def test_a_change_is_only_against_the_edition_just_before_even_under_the_same_label(editions):
    """Two editions called 2020: the one just before lacks the figures, so no change is
    measured against the older one, whatever their labels say."""
    later, before = editions
    line = [
        Earlier("2020", before[1].names, findings=before[1].findings),
        Earlier("2020", {}, findings=before[1].findings),
    ]
    found = trends(later, "2021", line, is_open=False)
    assert found and all(t.change is None and not t.clear for t in found)


def test_a_share_of_none_or_all_is_no_clear_change_on_a_handful():
    from indagine.analysis.editions import _floored
    from indagine.stats.editions import change
    from indagine.stats.estimates import Estimate

    def share(p, n):
        return Estimate("kind = bpo", p, 0.0, p, p, 0.95, "wald", n, float(n))

    bare = change(share(0.0, 30), 29, share(1.0, 30), 29)  # no standard error at all
    assert bare.p == 1.0 and not bare.evident
    trend = _dummy_trend()
    floored = change(_floored(share(0.0, 30), trend), 29, _floored(share(0.2, 30), trend), 29)
    assert floored.se > 0.05  # 0 of 30: its standard error as Agresti and Coull give it


def test_a_handful_of_answers_is_not_judged(editions):
    later, _before = editions
    tiny = {"kind": {"n": 3, "shares": {"bpo": 0.0, "inhouse": 1.0, "public": 0.0}}}
    found = trends(
        later, "2021", [Earlier("2020", {"org_kind": "kind"}, tables=tiny)], is_open=False
    )
    assert found and all(t.change is None and not t.clear for t in found)


def _dummy_trend():
    from indagine.analysis.editions import Trend

    return Trend("k", {}, {}, "share", "", {}, (), ())
