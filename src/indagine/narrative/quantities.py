"""Quantity words: a share, a percentage or a mean score as the hedged phrase a letter states.

The contract is `product/newsletter.md`: the point estimate is snapped to the nearest familiar
fraction or round percentage, and a qualifier says where the estimate lies relative to it.
Bands (percentage points, estimate minus anchor; the defaults of `Style`):

    above 85%            la grande maggioranza / the great majority
    -2 to +2             circa / about
    +2 to +3.5           poco più di / just over
    +3.5 to +5           oltre / over
    more than +5         ben oltre / well over
    -3.5 to -2           poco meno di / just under
    -5 to -3.5           quasi / nearly
    below every anchor   meno di / under

When the nearest anchor lies more than 5 points above, the anchor below is used instead
("ben oltre la metà" rather than "meno di due terzi"). So 0.66 -> "circa due terzi",
0.81 -> "circa l'80%", 0.84 -> "oltre l'80%", 0.88 -> "la grande maggioranza".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Lang = Literal["it", "en"]
Strength = Literal["disagree", "neutral", "moderate", "agree"]


@dataclass(frozen=True)
class Style:
    """The thresholds of the phrase contract, as settings with defaults."""

    about: float = 0.02  # within this of an anchor: "circa"
    just: float = 0.035  # up to this above: "poco più di"; below: "poco meno di"
    well: float = 0.05  # beyond this above: "ben oltre"
    great_majority: float = 0.85  # above this share: "la grande maggioranza"
    # Likert strength on a 1-5 scale (means on other scales are rescaled to it)
    disagree_below: float = 2.8
    moderate_from: float = 3.2
    agree_above: float = 3.8


DEFAULT_STYLE = Style()


@dataclass(frozen=True)
class Anchor:
    """A familiar value and its words: bare, after "oltre", after "più"/"meno", English."""

    value: float
    it: str  # "due terzi", "la metà", "l'80%"
    it_art: str  # "i due terzi", "la metà", "l'80%"
    it_di: str  # "di due terzi", "della metà", "dell'80%"
    en: str


@dataclass(frozen=True)
class Phrase:
    """Words for a quantity, with the numbers they came from (for tests and links)."""

    text: str
    value: float  # the estimate described, as a share in [0, 1]
    anchor: float | None  # the familiar value it was snapped to
    # about, just_over, over, well_over, just_under, nearly, under, great_majority; plain
    qualifier: str


def article(number: int) -> str:
    """The Italian definite article before a number ("il 30%", "l'80%", "l'11%")."""
    elided = number in (1, 8, 11) or 80 <= number <= 89 or 800 <= number <= 899
    return "l'" if elided else "il "


def _percent_anchor(k: int) -> Anchor:
    art = article(k)
    di = "dell'" if art == "l'" else "del "
    return Anchor(k / 100, f"{art}{k}%", f"{art}{k}%", f"{di}{k}%", f"{k}%")


FRACTIONS: tuple[Anchor, ...] = (
    Anchor(1 / 4, "un quarto", "un quarto", "di un quarto", "a quarter"),
    Anchor(1 / 3, "un terzo", "un terzo", "di un terzo", "a third"),
    Anchor(1 / 2, "la metà", "la metà", "della metà", "half"),
    Anchor(2 / 3, "due terzi", "i due terzi", "di due terzi", "two thirds"),
    Anchor(3 / 4, "tre quarti", "i tre quarti", "di tre quarti", "three quarters"),
)
SHARE_ANCHORS: tuple[Anchor, ...] = tuple(
    sorted(
        FRACTIONS + tuple(_percent_anchor(k) for k in (10, 20, 30, 40, 60, 70, 80, 90)),
        key=lambda a: a.value,
    )
)
# a mean percentage of staff reads best in fractions: "ben oltre i tre quarti del personale"
STAFF_ANCHORS: tuple[Anchor, ...] = (_percent_anchor(10), _percent_anchor(20), *FRACTIONS)

_TEMPLATES: dict[str, tuple[str, str]] = {
    "about": ("circa {it}", "about {en}"),
    "just_over": ("poco più {it_di}", "just over {en}"),
    "over": ("oltre {it_art}", "over {en}"),
    "well_over": ("ben oltre {it_art}", "well over {en}"),
    "just_under": ("poco meno {it_di}", "just under {en}"),
    "nearly": ("quasi {it}", "nearly {en}"),
    "under": ("meno {it_di}", "under {en}"),
}
_MAJORITY = ("la grande maggioranza", "the great majority")


def _qualifier(points: float, style: Style) -> str:
    """The qualifier for an estimate `points` (as a share) above its anchor."""
    if abs(points) <= style.about:
        return "about"
    if points > 0:
        return (
            "just_over" if points <= style.just else "over" if points <= style.well else "well_over"
        )
    return "just_under" if points >= -style.just else "nearly" if points >= -style.well else "under"


def _anchor_for(p: float, anchors: Sequence[Anchor], style: Style) -> Anchor:
    """The nearest anchor, or the one below when the nearest is far above (ties go below)."""
    nearest = min(anchors, key=lambda a: (round(abs(p - a.value), 9), a.value))
    below = [a for a in anchors if a.value <= p]
    if round(nearest.value - p, 9) > style.well and below:
        return below[-1]
    return nearest


def describe_share(
    p: float,
    lang: Lang,
    style: Style = DEFAULT_STYLE,
    *,
    anchors: Sequence[Anchor] = SHARE_ANCHORS,
    majority: bool = True,
) -> Phrase:
    """The hedged words for a share in [0, 1] ("circa due terzi", "oltre l'80%")."""
    if majority and p > style.great_majority:
        return Phrase(_MAJORITY[0 if lang == "it" else 1], p, None, "great_majority")
    anchor = _anchor_for(p, anchors, style)
    qualifier = _qualifier(round(p - anchor.value, 9), style)
    template = _TEMPLATES[qualifier][0 if lang == "it" else 1]
    text = template.format(it=anchor.it, it_art=anchor.it_art, it_di=anchor.it_di, en=anchor.en)
    return Phrase(text, p, anchor.value, qualifier)


# shares compared in one sentence read best as percentages when fractions would mix with them
PERCENT_ANCHORS: tuple[Anchor, ...] = tuple(_percent_anchor(k) for k in range(10, 100, 10))
_FRACTION_VALUES = frozenset(a.value for a in FRACTIONS)


def describe_pair(
    p: float, q: float, lang: Lang, style: Style = DEFAULT_STYLE
) -> tuple[Phrase, Phrase]:
    """Two shares stated in one sentence, phrased alike.

    "oltre l'80% e poco più dell'80%" sets two words against nearly equal numbers, and "circa
    l'80%, contro circa due terzi" makes the reader convert one into the other. So both take the
    same qualifier and the same kind of anchor (fractions, else round percentages: "circa l'80% e
    circa il 70%"); failing that, or when the two would read the same, both are plain rounded
    percentages ("l'84% e l'82%"), the link behind each giving its interval.
    """
    for anchors in (SHARE_ANCHORS, PERCENT_ANCHORS):
        a = describe_share(p, lang, style, anchors=anchors, majority=False)
        b = describe_share(q, lang, style, anchors=anchors, majority=False)
        kinds = {x.anchor in _FRACTION_VALUES for x in (a, b)}
        if a.qualifier == b.qualifier and len(kinds) == 1 and a.text != b.text:
            return a, b
    return plain_share(p, lang), plain_share(q, lang)


def plain_share(p: float, lang: Lang) -> Phrase:
    """A share as a plain rounded percentage ("l'84%"), for a sentence that compares two."""
    return Phrase(percentage(p, lang), p, None, "plain")


def describe_percent(value: float, lang: Lang, style: Style = DEFAULT_STYLE) -> Phrase:
    """The words for a mean percentage (0-100) of a whole ("ben oltre i tre quarti")."""
    return describe_share(value / 100, lang, style, anchors=STAFF_ANCHORS)


def rescaled(mean: float, scale: tuple[float, float]) -> float:
    """A mean on a `scale` (lowest, highest score) moved linearly onto 1-5."""
    low, high = scale
    return 1 + 4 * (mean - low) / (high - low)


def strength(mean: float, scale: tuple[float, float], style: Style = DEFAULT_STYLE) -> Strength:
    """How strongly a mean score agrees: disagree, neutral, moderate or agree."""
    score = rescaled(mean, scale)
    if score < style.disagree_below:
        return "disagree"
    if score < style.moderate_from:
        return "neutral"
    return "moderate" if score <= style.agree_above else "agree"


def decimal(x: float, lang: Lang, digits: int = 1) -> str:
    """A number with a decimal comma in Italian ("3,4") and a point in English."""
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "it" else text


def whole(x: float) -> str:
    """A score bound written without a needless ".0" (1, 5, 2.5)."""
    return f"{x:g}"


def percentage(p: float, lang: Lang, *, with_article: bool = True) -> str:
    """A share as a plain rounded percentage ("il 62%", "l'81%", "62%")."""
    k = round(p * 100)
    return f"{article(k)}{k}%" if lang == "it" and with_article else f"{k}%"
