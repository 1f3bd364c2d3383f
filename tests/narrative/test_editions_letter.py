"""The letter about the editions (#18.3), in Italian and English: a clear change stated with
both figures, a difference within noise said plainly, nothing called clear that the test does
not support, every figure linked to the report's table of the editions."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from analysis.test_editions import _edition
from indagine.analysis.editions import Earlier, trends
from indagine.narrative.editions import edition_sentences
from indagine.narrative.letter import write_letter
from indagine.narrative.sentences import Number

pytestmark = pytest.mark.pure


@pytest.fixture(scope="module")
def compared():
    earlier = _edition(2020, 0.5, "kind")
    later = _edition(2021, 0.7, "kind")
    names = {"change": "change", "agents": "agents", "kind": "kind"}
    return later, trends(later, "2021", [Earlier("2020", names, findings=earlier)], is_open=False)


def test_a_clear_rise_with_both_figures_in_italian_and_english(compared):
    findings, found = compared
    it = [s.text for s in edition_sentences(found, findings, "it")]
    en = [s.text for s in edition_sentences(found, findings, "en")]
    assert it[0] == "Ed ecco il confronto con l'edizione del 2020."
    rise = next(t for t in found if t.key == "change")
    before, now = (round(p.estimate.estimate * 100) for p in rise.points)
    assert it[1].startswith("La quota di chi ritiene che the job is changing è salita da")
    assert f"{before}% del 2020 a" in it[1] and f"{now}% di oggi." in it[1]
    assert en[1] == (
        f"The share who think that the job is changing rose from {before}% in 2020 to {now}% now."
    )


def test_nothing_is_called_clear_that_the_test_does_not_support(compared):
    findings, found = compared
    unsupported = [replace(t, clear=False) for t in found]
    sentences = edition_sentences(unsupported, findings, "it")
    assert all("è salita" not in s.text and "è scesa" not in s.text for s in sentences)
    assert "non c'è un cambiamento evidente rispetto al 2020" in sentences[1].text
    english = edition_sentences(unsupported, findings, "en")
    assert "there is no evident change in the share who think that" in english[1].text.lower()
    not_judged = [replace(t, judged="later") for t in found]
    assert edition_sentences(not_judged, findings, "en") == []


def test_every_figure_links_to_the_editions_table(compared):
    findings, found = compared
    for sentence in edition_sentences(found, findings, "it")[1:]:
        numbers = [p for p in sentence.parts if isinstance(p, Number)]
        assert len(numbers) == 2
        assert all(n.href == f"#edition-{sentence.finding}" for n in numbers)
        assert "IC 95%" in numbers[0].title and "(2020)" in numbers[0].title


def test_the_letter_carries_the_paragraph(compared):
    findings, found = compared
    letter = write_letter(
        findings,
        "en",
        "final",
        club="Club",
        promoter=None,
        link=None,
        place="Milano",
        date=dt.date(2021, 6, 1),
        signature="The board",
        editions=found,
    )
    assert "And here is how this compares with the 2020 edition." in letter.markdown
    assert "rose from" in letter.markdown and 'href="#edition-change"' in letter.html


def test_italian_articles_and_labels_that_are_no_year(compared):
    findings, found = compared
    rise = next(t for t in found if t.key == "change")
    points = list(rise.points)
    zero = replace(points[0].estimate, estimate=0.0)
    eleven = replace(points[1].estimate, estimate=0.11)
    moved = replace(
        rise,
        points=(
            replace(points[0], estimate=zero, edition="Primavera 2020"),
            replace(points[1], estimate=eleven),
        ),
    )
    it = edition_sentences([moved], findings, "it")
    assert it[0].text == "Ed ecco il confronto con l'edizione «Primavera 2020»."
    assert "è salita dallo 0% dell'edizione «Primavera 2020» all'11% di oggi." in it[1].text
    en = edition_sentences([moved], findings, "en")
    assert "rose from 0% in the “Primavera 2020” edition to 11% now." in en[1].text


CONDITIONAL = """
| survey |
| | type | name | label | relevant | appearance | claim |
| | select_one yn | remote | Remote? | | | |
| | select_one agree | happy | Does it work? | selected(${remote}, 'yes') | likert | remote work works |
| choices |
| | list_name | name | label | score |
| | yn | yes | Yes | |
| | yn | no | No | |
| | agree | 1 | No | 1 |
| | agree | 2 | Little | 2 |
| | agree | 3 | Some | 3 |
| | agree | 4 | Much | 4 |
| settings |
| | form_title | form_id |
| | Remote | remote |
"""


def _remote(seed: int, yes: float, happy: float):
    import random

    from analysis.conftest import form_from, rows_of
    from indagine.analysis.compute import analyse
    from indagine.analysis.frame import frame_from_rows

    form = form_from(CONDITIONAL)
    rng = random.Random(seed)
    answers = []
    for _ in range(300):
        if rng.random() < yes:
            answers.append({"remote": "yes", "happy": "4" if rng.random() < happy else "1"})
        else:
            answers.append({"remote": "no"})
    return analyse(form, frame_from_rows(form, rows_of(answers)))


def test_a_groups_share_is_said_with_its_group():
    earlier, later = _remote(1, 0.3, 0.3), _remote(2, 0.6, 0.8)
    names = {"remote": "remote", "happy": "happy"}
    found = trends(later, "2021", [Earlier("2020", names, findings=earlier)], is_open=False)
    sentences = [s.text for s in edition_sentences(found, later, "en")]
    happy = next(s for s in sentences if "remote work works" in s)
    assert happy.startswith("Among the respondents the question applied to, the share")
