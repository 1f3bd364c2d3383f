"""Claims: the words a finding is about, and the frame a sentence puts around them.

A claim comes from the question's `claim::<lang>` column (else its label). Its frame is decided
from what the Findings carry, in this order:

- `topic`: a scale item ranked with others on a scale without a neutral middle (none / limited /
  significant / very significant): a noun phrase, stated only in the ranking of effects;
- `predicate`: a claim that starts with a verb ("ha messo in remote working ..."), on a scale
  item or a single choice: the claim carries its own verb, "{quantity} del campione {claim}";
- `opinion`: any other scale item (an agreement scale): "ritiene che {claim}" / "think that";
- `opinion` again for any other claim (a clause with its own subject, written for "che").

A claim that opens with its own reporting verb ("valuta che ...", "believe that ...") is a
predicate too, whether or not the verb is listed: put under "ritiene che" it would read "ritiene
che valuta che". Such a claim is told by its second word, "che" or "that", after a first word that
is not a pronoun ("quello che conta ..." is a clause with its own subject).
"""

from __future__ import annotations

from typing import Literal

from indagine.analysis.findings import Finding, Findings
from indagine.narrative.quantities import Lang

Frame = Literal["topic", "opinion", "predicate"]

# the first word of a claim that carries its own verb (a predicate of the respondents)
VERB_STARTS: dict[str, frozenset[str]] = {
    "it": frozenset(
        [
            "ha",
            "hanno",
            "è",
            "sono",
            "non",
            "si",
            "sta",
            "stanno",
            "usa",
            "usano",
            "utilizza",
            "utilizzano",
            "adotta",
            "adottano",
            "prevede",
            "prevedono",
            "dispone",
            "dispongono",
            "può",
            "possono",
            "ritiene",
            "ritengono",
            "pensa",
            "pensano",
            "considera",
            "considerano",
            "vuole",
            "vogliono",
            "intende",
            "intendono",
            "aveva",
            "avevano",
            "era",
            "erano",
            "già",
            "ancora",
            # reporting verbs: a claim that opens with one already frames itself
            "valuta",
            "valutano",
            "crede",
            "credono",
            "reputa",
            "reputano",
            "giudica",
            "giudicano",
            "stimano",
            "sostiene",
            "sostengono",
            "afferma",
            "affermano",
            "dichiara",
            "dichiarano",
            "trova",
            "trovano",
            "percepisce",
            "percepiscono",
            "notano",
            "segnala",
            "segnalano",
            "concorda",
            "concordano",
        ]
    ),
    "en": frozenset(
        [
            "have",
            "has",
            "had",
            "is",
            "are",
            "was",
            "were",
            "do",
            "does",
            "did",
            "not",
            "use",
            "uses",
            "used",
            "plan",
            "plans",
            "expect",
            "expects",
            "will",
            "would",
            "can",
            "could",
            "already",
            "still",
            "never",
            "think",
            "thinks",
            "consider",
            "considers",
            "intend",
            "intends",
            "want",
            "wants",
            # reporting verbs: a claim that opens with one already frames itself
            "believe",
            "believes",
            "feel",
            "feels",
            "find",
            "finds",
            "reports",
            "say",
            "says",
            "agree",
            "agrees",
            "judge",
            "judges",
            "rates",
            "see",
            "sees",
            "notes",
        ]
    ),
}
# the word after a reporting verb, and the first words that make "X che" a subject, not a verb
_THAT = {"it": "che", "en": "that"}
_PRONOUNS = frozenset(
    {"quello", "quella", "quelli", "quelle", "ciò", "tutto", "tutti", "tutte", "colui", "coloro"}
    | {"everything", "something", "anything", "all", "those", "that", "this", "what", "the"}
)


def claim_text(finding: Finding, lang: Lang) -> str:
    """The claim in `lang`, else the label, without a closing full stop."""
    text = finding.claim.get(lang) or finding.label.get(lang) or ""
    if not text:
        text = next(iter(finding.claim.values()), "") or next(iter(finding.label.values()), "")
    return text.strip().rstrip(".").strip()


def is_question(text: str) -> bool:
    """A claim that fell back to a question's label cannot be put into a sentence."""
    return text.rstrip().endswith("?")


def has_neutral_point(scale: tuple[float, float] | None) -> bool:
    """Whether a scale of whole scores has a middle answer (1-5 has 3; 1-4 has none)."""
    if scale is None:
        return True
    span = scale[1] - scale[0]
    return span == int(span) and int(span) % 2 == 0


def ranked_keys(findings: Findings) -> frozenset[str]:
    """The keys of every finding that appears in a ranking."""
    return frozenset(key for ranking in findings.rankings for key in ranking.items)


def frame_of(finding: Finding, lang: Lang, ranked: frozenset[str]) -> Frame:
    """The frame a sentence puts around this finding's claim (see the module docstring)."""
    if finding.kind == "scale":
        scale = finding.mean.scale if finding.mean else None
        if finding.key in ranked and not has_neutral_point(scale):
            return "topic"
    return "predicate" if has_own_verb(claim_text(finding, lang), lang) else "opinion"


def has_own_verb(claim: str, lang: Lang) -> bool:
    """Whether a claim starts with its own verb, so that no frame may be put around it."""
    words = claim.lower().split(maxsplit=2)
    if not words:
        return False
    if words[0] in VERB_STARTS[lang]:
        return True
    return len(words) > 1 and words[1] == _THAT[lang] and words[0] not in _PRONOUNS


# the words a label's shared prefix may end with and still be said once for two names
_PREPOSITIONS: dict[str, frozenset[str]] = {
    "it": frozenset({"su", "sul", "sulla", "sullo", "sui", "sugli", "sulle", "di", "del", "della"})
    | {"dello", "dei", "degli", "delle", "a", "al", "alla", "ai", "in", "nel", "nella", "nei"}
    | {"per", "con", "da", "tra", "fra"},
    "en": frozenset({"on", "of", "for", "in", "to", "with", "about", "at", "by", "from"}),
}
_ARTICLES = {
    "it": frozenset(["il", "lo", "la", "i", "gli", "le", "un", "uno", "una"]),
    "en": frozenset(["the", "a", "an"]),
}
_DASHES = frozenset("-–—")
_AND = {"it": " e ", "en": " and "}


def _lowered(words: list[str]) -> list[str]:
    """Words put mid-sentence: a capitalised first word ("Effetto") loses its capital."""
    if words and words[0][:1].isupper() and words[0][1:].islower():
        return [words[0].lower(), *words[1:]]
    return words


def _prefix_words(words: list[str]) -> tuple[list[str], bool]:
    """A label's heading words without their separator, and whether there was one."""
    if words and words[-1] in _DASHES:
        return words[:-1], True
    if words and words[-1].endswith(":"):
        return [*words[:-1], words[-1].rstrip(":")], True
    return words, False


def _linking_words(heading: list[str], lang: Lang) -> str:
    """The preposition a heading ends with, and any article after it ("on the"), else ""."""
    words = [w.lower() for w in heading]
    end = len(words)
    while end > 1 and words[end - 1] in _ARTICLES[lang]:
        end -= 1
    if end and words[end - 1] in _PREPOSITIONS[lang]:
        return " ".join(words[end - 1 :])
    return ""


def spoken(name: str, lang: Lang) -> str:
    """A label as a sentence names it: "Effetto su: costi" becomes "effetto su costi"."""
    words = name.split()
    for i, word in enumerate(words[:-1]):
        if word.endswith(":") and word.rstrip(":").lower() in _PREPOSITIONS[lang]:
            return " ".join(_lowered([*words[:i], word.rstrip(":"), *words[i + 1 :]]))
    return name


def named_together(a: str, b: str, lang: Lang) -> str:
    """Two names in one phrase, a heading they share said once.

    "Effetto su: conciliazione" and "Effetto su: continuità" read "effetto su conciliazione e su
    continuità"; a shared heading that ends in a colon or a dash but no preposition goes after
    them ("prezzo e orari (soddisfazione)"). Names that share only an article or nothing, or
    whose shared words are no heading ("la qualità ...", "la continuità ..."), are joined whole.
    """
    wa, wb = a.split(), b.split()
    k = 0
    while k < min(len(wa), len(wb)) - 1 and wa[k].lower() == wb[k].lower():
        k += 1
    heading, separated = _prefix_words(wa[:k])
    rest_a, rest_b = " ".join(wa[k:]), " ".join(wb[k:])
    linking = _linking_words(heading, lang)
    if linking:
        return f"{' '.join(_lowered(heading))} {rest_a}{_AND[lang]}{linking} {rest_b}"
    if heading and separated:
        return f"{rest_a}{_AND[lang]}{rest_b} ({' '.join(_lowered(heading))})"
    return f"{spoken(a, lang)}{_AND[lang]}{spoken(b, lang)}"
