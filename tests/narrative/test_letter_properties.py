"""Letters for many generated questionnaires and results (#17.6): whatever the claims, labels and
numbers, no sentence doubles a frame, leaves a placeholder, says a shared heading twice or states
two shares in unlike words."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indagine.analysis.findings import Contrast, Finding, Findings, Ranking
from indagine.narrative import write_letter
from indagine.narrative.sentences import Number
from narrative.factories import EVERYONE, effect, estimate, mean, scale_item, share

pytestmark = pytest.mark.pure

# What a claim may say, in both languages: a clause for "ritiene che", or its own verb.
CLAUSES = (
    ("l'uso dei canali digitali sia aumentato", "the use of digital channels has increased"),
    ("i costi siano cresciuti", "costs have grown"),
    ("il lavoro da remoto resterà", "remote work will stay"),
)
OWN_VERBS = (
    ("valuta che il servizio sia migliorato", "believe that the service has improved"),
    ("ritiene che i clienti siano soddisfatti", "think that customers are satisfied"),
    ("crede che la formazione serva", "feel that training helps"),
    ("ha messo in remote working il personale", "have moved staff to remote work"),
    ("usa la chat con i clienti", "use chat with customers"),
)
# Ranked items' labels, with a heading they share or without one.
HEADINGS = (
    ("Effetto su:", "Effect on:"),
    ("Effetto sulla", "Effect on the"),
    ("Soddisfazione -", "Satisfaction -"),
    ("", ""),
)
TOPICS = (
    ("conciliazione vita-lavoro", "work-life balance"),
    ("continuità del servizio", "continuity of service"),
    ("costi operativi", "operating costs"),
    ("qualità percepita", "perceived quality"),
)
REPORTING = (
    r"ritiene|ritengono|pensa|pensano|crede|credono|valuta|valutano|fatto|"
    r"think|thinks|believe|believes|feel|feels|agree|agrees"
)
DOUBLED = re.compile(
    rf"\b(?:{REPORTING}) (?:che|that) (?:non |not )?(?:{REPORTING}) (?:che|that)\b"
)
# the frames a claim with its own verb must never be put under
FRAMES = ("ritiene che", "sul fatto che", "think that", "agree that", "whether")
PLACEHOLDER = re.compile(r"[{}]|%\(|\bNone\b|\bnan\b", re.I)
QUALIFIER = re.compile(
    r"^(?:a |al |all')?(circa|poco più|ben oltre|oltre|poco meno|quasi|meno|"
    r"la grande maggioranza|about|just over|well over|over|just under|nearly|under|"
    r"the great majority)?",
    re.I,
)


def _side(low: float, high: float, threshold: float) -> str | None:
    return "above" if low > threshold else "below" if high < threshold else None


@st.composite
def shares(draw: st.DrawFn) -> tuple[float, float, float]:
    """A share with its sequence: narrow (consolidated, often) or wide (not yet)."""
    p = draw(st.floats(0.02, 0.98))
    half = draw(st.sampled_from((0.03, 0.08, 0.15, 0.3)))
    return p, max(0.0, p - half), min(1.0, p + half)


@st.composite
def opinion_items(draw: st.DrawFn, i: int) -> Finding:
    it, en = draw(st.sampled_from(CLAUSES + OWN_VERBS))
    p, low, high = draw(shares())
    s = share(p, low, high) if draw(st.booleans()) else None
    m = None
    if s is None or draw(st.booleans()):
        scale = draw(st.sampled_from(((1.0, 5.0), (1.0, 4.0))))
        x = draw(st.floats(scale[0], scale[1]))
        half = draw(st.sampled_from((0.1, 0.4, 1.0)))
        m = mean(x, x - half, x + half, scale)
    if draw(st.booleans()):
        return scale_item(f"q{i}", it, en, s, m)
    claim = {"it": it, "en": en}
    return Finding(f"q{i}", f"q{i}", claim, claim, "choice", EVERYONE, s or share(p, low, high))


@st.composite
def effects(draw: st.DrawFn) -> tuple[tuple[Finding, ...], Ranking, tuple[str, str]]:
    heading = draw(st.sampled_from(HEADINGS))
    topics = draw(st.permutations(TOPICS))[: draw(st.integers(2, 4))]
    items = []
    for k, (it, en) in enumerate(topics):
        p, low, high = draw(shares())
        label_it, label_en = (f"{heading[0]} {it}".strip(), f"{heading[1]} {en}".strip())
        items.append(effect(f"e{k}", label_it, label_en, p, low, high))
    items.sort(key=lambda f: -(f.share.estimate.estimate if f.share else 0))
    keys = tuple(f.key for f in items)
    ranking = Ranking("effect4", keys, draw(st.integers(0, len(keys))))
    return tuple(items), ranking, heading


@st.composite
def contrasts(draw: st.DrawFn, items: tuple[Finding, ...]) -> tuple[Contrast, ...]:
    found = []
    for f in items:
        if f.share is not None and draw(st.booleans()):
            seg, overall = draw(st.floats(0.02, 0.98)), f.share.estimate.estimate
            label = {"it": "Outsourcer", "en": "Outsourcers"}
            found.append(
                Contrast(
                    f.key,
                    "org",
                    label,
                    0.01,
                    5.0,
                    1.0,
                    100.0,
                    "bpo",
                    label,
                    estimate(seg),
                    estimate(overall),
                )
            )
    return tuple(found)


@st.composite
def surveys(draw: st.DrawFn) -> tuple[Findings, tuple[str, str]]:
    opinions = tuple(draw(opinion_items(i)) for i in range(draw(st.integers(1, 5))))
    ranked, ranking, heading = draw(effects())
    findings = Findings(
        form_id="generated",
        title={"it": "Indagine", "en": "Survey"},
        n=124,
        panel_size=None,
        response_rate=draw(st.none() | st.floats(0.05, 1.0)),
        margin_of_error=draw(st.none() | st.floats(0.01, 0.1)),
        weighted=draw(st.booleans()),
        weighting="unweighted",
        alpha=0.05,
        items=opinions + ranked,
        rankings=(ranking,),
        contrasts=draw(contrasts(opinions)),
        closes_on=draw(st.none() | st.just(dt.date(2020, 4, 8))),
    )
    return findings, heading


def _style(number: Number) -> tuple[str, bool]:
    """How a share is phrased: its qualifier (none for a plain percentage) and whether in %."""
    found = QUALIFIER.match(number.text)
    return ((found.group(1) or "").lower() if found else "", "%" in number.text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    survey=surveys(),
    lang=st.sampled_from(("it", "en")),
    stage=st.sampled_from(("interim", "final")),
    club=st.sampled_from((None, "", "Club", "il Circolo Sportivo", "Associazione Amici")),
)
def test_no_sentence_doubles_a_frame_leaves_a_placeholder_or_repeats_a_heading(
    survey, lang, stage, club
):
    findings, heading = survey
    result = write_letter(
        findings,
        lang,
        stage,
        club=club,
        promoter=None,
        link=None,
        place="Milano",
        date=dt.date(2020, 3, 25),
        signature="Il Presidente",
    )
    own_verbs = [pair[0 if lang == "it" else 1] for pair in OWN_VERBS]
    shared = heading[0 if lang == "it" else 1].rstrip(":- ").lower()
    assert not PLACEHOLDER.search(result.markdown), result.markdown
    for paragraph in result.paragraphs:
        for sentence in paragraph:
            said = sentence.text
            assert not DOUBLED.search(said), said
            for claim in own_verbs:
                assert not any(f"{frame} {claim}" in said for frame in FRAMES), said
            if shared:
                assert said.lower().count(shared) <= 1, said
            numbers = [
                p for p in sentence.parts if isinstance(p, Number) and "%" in p.title
            ]  # the shares: their titles carry the estimate as a percentage
            if len(numbers) == 2:
                assert _style(numbers[0]) == _style(numbers[1]), said


def test_the_generated_letters_do_meet_each_fault():
    """The strategies do reach the faults the property guards against (not vacuous)."""
    ranked = tuple(
        effect(f"e{k}", f"Effetto su: {it}", f"Effect on: {en}", p, p - 0.05, p + 0.05)
        for k, ((it, en), p) in enumerate(zip(TOPICS, (0.84, 0.825, 0.4, 0.3), strict=True))
    )
    claim = scale_item("q", *OWN_VERBS[0], share(0.84, 0.75, 0.92), None)
    findings = Findings(
        "generated",
        {"it": "I", "en": "S"},
        124,
        None,
        None,
        None,
        False,
        "unweighted",
        0.05,
        (claim, *ranked),
        (Ranking("effect4", tuple(f.key for f in ranked), 2),),
    )
    result = write_letter(
        replace(findings),
        "it",
        "interim",
        club=None,
        promoter=None,
        link=None,
        place="Milano",
        date=dt.date(2020, 3, 25),
        signature="Il Presidente",
    )
    assert "valuta che il servizio sia migliorato" in result.markdown
    assert "effetto su conciliazione vita-lavoro e su continuità del servizio" in result.markdown
