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
