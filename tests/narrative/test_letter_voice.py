"""The letter in the president's own voice (#17.6): faults a user saw, each pinned in it and en."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from indagine.analysis.findings import Finding, Ranking
from indagine.narrative import write_letter
from indagine.narrative.claims import has_own_verb, named_together
from indagine.narrative.quantities import describe_pair
from narrative.factories import (
    club_findings,
    effect,
    mean,
    scale_item,
    share,
)

SIGNING = {
    "club": "Club dei Contact Center",
    "promoter": None,
    "link": None,
    "place": "Milano",
    "date": dt.date(2020, 3, 25),
    "signature": "Il Presidente",
}


def letter(lang, findings, stage="interim", **signing):
    return write_letter(findings, lang, stage, **{**SIGNING, **signing})


def digital_use() -> Finding:
    """A claim written with its own reporting verb, as an organiser would put it in claim::it."""
    return scale_item(
        "digital_use",
        "valuta che l'uso dei canali digitali sia aumentato",
        "believe that the use of digital channels has increased",
        share(0.84, 0.72, 0.93),
        None,
    )


@pytest.mark.parametrize("stage", ["interim", "final"])
def test_a_claim_with_its_own_reporting_verb_is_not_put_under_another(stage):
    findings = club_findings(items=(digital_use(),), rankings=())
    italian = letter("it", findings, stage).markdown
    english = letter("en", findings, stage).markdown
    assert "ritiene che valuta che" not in italian
    assert "del campione valuta che l'uso dei canali digitali sia aumentato." in italian
    assert "think that believe that" not in english
    assert "of the sample believe that the use of digital channels has increased." in english


@pytest.mark.parametrize(
    ("claim_it", "claim_en"),
    [
        ("valuta che l'uso dei canali digitali sia aumentato", "believe that use has increased"),
        ("ha messo in remote working il personale", "have moved staff to remote work"),
    ],
)
def test_a_mean_of_a_claim_with_its_own_verb_is_not_put_under_sul_fatto_che(claim_it, claim_en):
    item = scale_item("q", claim_it, claim_en, None, mean(3.5, 3.2, 3.8))
    findings = club_findings(items=(item,), rankings=())
    italian = letter("it", findings).markdown
    english = letter("en", findings).markdown
    assert f"sul fatto che {claim_it}" not in italian
    assert f"agree that {claim_en}" not in english
    assert claim_it in italian and claim_en in english


def test_a_contrast_on_a_claim_with_its_own_verb_is_not_put_under_another():
    from narrative.factories import bpo_contrast

    contrast = replace(bpo_contrast(), finding="digital_use")
    findings = club_findings(
        items=(digital_use(),), rankings=(), contrasts=(contrast,), response_rate=0.6
    )
    assert "la quota di chi valuta che l'uso" in letter("it", findings, "final").markdown
    assert "the share who believe that the use" in letter("en", findings, "final").markdown


def effects_with_a_shared_prefix(separated: int = 2):
    labels = (
        ("eff_balance", "Effetto su: conciliazione vita-lavoro", "Effect on: work-life balance"),
        (
            "eff_continuity",
            "Effetto su: continuità del servizio",
            "Effect on: continuity of service",
        ),
        ("eff_costs", "Effetto su: costi operativi", "Effect on: operating costs"),
    )
    items = tuple(
        effect(key, it, en, p, p - 0.1, p + 0.1)
        for (key, it, en), p in zip(labels, (0.84, 0.825, 0.5), strict=True)
    )
    return club_findings(
        items=items, rankings=(Ranking("effect4", tuple(k for k, *_ in labels), separated),)
    )


def test_labels_sharing_a_prefix_are_named_by_what_differs():
    italian = letter("it", effects_with_a_shared_prefix()).markdown
    english = letter("en", effects_with_a_shared_prefix()).markdown
    assert "Effetto su: conciliazione" not in italian
    assert italian.count("ffetto su") == 1
    assert "effetto su conciliazione vita-lavoro e su continuità del servizio" in italian
    assert english.count("ffect on") == 1
    assert "effect on work-life balance and on continuity of service" in english


def test_two_shares_in_one_sentence_are_phrased_alike():
    italian = letter("it", effects_with_a_shared_prefix()).markdown
    english = letter("en", effects_with_a_shared_prefix()).markdown
    assert "oltre l'80% e poco più dell'80%" not in italian
    assert "rispettivamente, l'84% e l'82% del campione" in italian
    assert "by 84% and 82% of the sample respectively" in english


def test_two_shares_with_the_same_qualifier_keep_their_hedged_words():
    labels = (("a", "la qualità", "quality"), ("b", "il prezzo", "price"), ("c", "x", "x"))
    items = tuple(
        effect(key, it, en, p, p - 0.1, p + 0.1)
        for (key, it, en), p in zip(labels, (0.80, 0.70, 0.3), strict=True)
    )
    findings = club_findings(items=items, rankings=(Ranking("effect4", ("a", "b", "c"), 2),))
    assert "rispettivamente, circa l'80% e circa il 70%" in letter("it", findings).markdown
    assert "by about 80% and about 70% of the sample" in letter("en", findings).markdown


def test_a_contrast_states_both_shares_alike():
    from narrative.factories import bpo_contrast

    findings = club_findings(contrasts=(bpo_contrast(),), response_rate=0.6)
    italian = letter("it", findings, "final").markdown
    english = letter("en", findings, "final").markdown
    assert "sale all'81%, contro il 66% del campione nel suo insieme" in italian
    assert "rises to 81%, against 66% of the sample as a whole" in english


@pytest.mark.parametrize("club", [None, "", "  "])
def test_a_letter_without_the_organisations_name_greets_the_members(club):
    findings = club_findings()
    assert letter("it", findings, club=club).markdown.startswith("Cari soci, buongiorno.\n\n")
    assert letter("en", findings, club=club).markdown.startswith("Dear members,\n\n")


@pytest.mark.parametrize(
    ("club", "italian", "english"),
    [
        ("Club", "Cari Amici del Club, buongiorno.", "Dear members of the Club,"),
        ("Club dei Contact Center", "Cari Amici del Club dei Contact Center", "of the Club dei"),
        ("il Circolo Sportivo", "Cari Amici del Circolo Sportivo", "of the Circolo Sportivo,"),
        ("l'Associazione Amici", "Cari Amici dell'Associazione Amici", "of the Associazione"),
        ("Associazione Amici", "Cari Amici dell'Associazione Amici", "of the Associazione Amici"),
        ("The Rotary Club", "The Rotary Club, buongiorno.", "Dear members of The Rotary Club,"),
    ],
)
def test_the_organisations_name_takes_its_article(club, italian, english):
    findings = club_findings()
    assert italian in letter("it", findings, club=club).markdown
    assert english in letter("en", findings, club=club).markdown
    assert "members of Club" not in letter("en", findings, club=club).markdown


@pytest.mark.parametrize(
    ("a", "b", "lang", "together"),
    [
        ("Effetto su: costi", "Effetto su: qualità", "it", "effetto su costi e su qualità"),
        (
            "Effect on the costs",
            "Effect on the quality",
            "en",
            "effect on the costs and on the quality",
        ),
        ("Soddisfazione - prezzo", "Soddisfazione - orari", "it", "prezzo e orari (soddisfazione)"),
        (
            "la qualità del servizio",
            "la continuità",
            "it",
            "la qualità del servizio e la continuità",
        ),
        ("i costi", "Effetto su: qualità", "it", "i costi e effetto su qualità"),
    ],
)
def test_two_names_say_a_shared_heading_once(a, b, lang, together):
    assert named_together(a, b, lang) == together


@pytest.mark.parametrize(
    ("claim", "lang", "own"),
    [
        ("valuta che l'uso sia aumentato", "it", True),
        ("osserva che l'uso sia aumentato", "it", True),
        ("quello che conta sia il prezzo", "it", False),
        ("l'uso sia aumentato", "it", False),
        ("reckon that use has grown", "en", True),
        ("the use has grown", "en", False),
    ],
)
def test_a_claim_with_its_own_verb_is_told_from_a_clause(claim, lang, own):
    assert has_own_verb(claim, lang) is own


def test_two_equal_shares_are_stated_plainly_and_alike():
    a, b = describe_pair(0.84, 0.84, "it")
    assert (a.text, b.text) == ("l'84%", "l'84%")
    a, b = describe_pair(0.66, 0.75, "en")
    assert (a.text, b.text) == ("about two thirds", "about three quarters")
