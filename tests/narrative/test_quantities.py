"""The quantity words: anchors, qualifier bands, articles, Likert strength."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indagine.narrative.quantities import (
    Style,
    article,
    describe_percent,
    describe_share,
    percentage,
    strength,
)


@pytest.mark.parametrize(
    ("p", "italian", "english"),
    [
        (0.66, "circa due terzi", "about two thirds"),
        (0.81, "circa l'80%", "about 80%"),
        (0.84, "oltre l'80%", "over 80%"),
        (0.88, "la grande maggioranza", "the great majority"),
        (0.50, "circa la metà", "about half"),
        (0.53, "poco più della metà", "just over half"),
        (0.47, "poco meno della metà", "just under half"),
        (0.63, "poco più del 60%", "just over 60%"),
        (0.33, "circa un terzo", "about a third"),
        (0.36, "poco più di un terzo", "just over a third"),
        (0.70, "circa il 70%", "about 70%"),
        (0.16, "quasi il 20%", "nearly 20%"),
        (0.03, "meno del 10%", "under 10%"),
    ],
)
def test_a_share_snaps_to_the_nearest_familiar_value(p, italian, english):
    assert describe_share(p, "it").text == italian
    assert describe_share(p, "en").text == english


def test_the_phrase_keeps_the_numbers_it_came_from():
    phrase = describe_share(0.84, "it")
    assert (phrase.value, phrase.anchor, phrase.qualifier) == (0.84, 0.8, "over")
    assert describe_share(0.88, "en").anchor is None


def test_a_mean_percentage_of_staff_reads_in_fractions():
    assert describe_percent(83.0, "it").text == "ben oltre i tre quarti"
    assert describe_percent(83.0, "en").text == "well over three quarters"
    assert describe_percent(58.0, "it").text == "ben oltre la metà"
    assert describe_percent(66.0, "it").text == "circa due terzi"
    assert describe_percent(72.0, "en").text == "just under three quarters"


def test_italian_articles_agree_with_the_number():
    assert [article(k) for k in (1, 8, 11, 18, 30, 80, 89, 90)] == [
        "l'",
        "l'",
        "l'",
        "il ",
        "il ",
        "l'",
        "l'",
        "il ",
    ]
    assert percentage(0.81, "it") == "l'81%"
    assert percentage(0.62, "it") == "il 62%"
    assert percentage(0.62, "en") == "62%"


def test_the_bands_are_settings():
    wide = Style(about=0.05)
    assert describe_share(0.84, "it", wide).text == "circa l'80%"
    assert describe_share(0.87, "it", Style(great_majority=0.95)).text == "poco meno del 90%"


@pytest.mark.parametrize(
    ("mean", "scale", "band"),
    [
        (3.4, (1, 5), "moderate"),
        (3.9, (1, 5), "agree"),
        (3.0, (1, 5), "neutral"),
        (2.5, (1, 5), "disagree"),
        (2.8, (1, 4), "moderate"),  # 3.4 on 1-5
        (2.5, (1, 4), "neutral"),
    ],
)
def test_likert_strength_rescales_to_one_to_five(mean, scale, band):
    assert strength(mean, scale) == band


@given(st.floats(min_value=0.0, max_value=0.85))
def test_the_qualifier_agrees_with_where_the_estimate_lies(p):
    phrase = describe_share(p, "en")
    assert phrase.anchor is not None
    gap = round(p - phrase.anchor, 9)
    expected = {
        "about": -0.02 <= gap <= 0.02,
        "just_over": 0.02 < gap <= 0.035,
        "over": 0.035 < gap <= 0.05,
        "well_over": gap > 0.05,
        "just_under": -0.035 <= gap < -0.02,
        "nearly": -0.05 <= gap < -0.035,
        "under": gap < -0.05,
    }
    assert expected[phrase.qualifier], (p, phrase)
