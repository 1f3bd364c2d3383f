"""Claims: the words a finding is about, and the frame a sentence puts around them.

A claim comes from the question's `claim::<lang>` column (else its label). Its frame is decided
from what the Findings carry, in this order:

- `topic`: a scale item ranked with others on a scale without a neutral middle (none / limited /
  significant / very significant): a noun phrase, stated only in the ranking of effects;
- `predicate`: a claim that starts with a verb ("ha messo in remote working ..."), on a scale
  item or a single choice: the claim carries its own verb, "{quantity} del campione {claim}";
- `opinion`: any other scale item (an agreement scale): "ritiene che {claim}" / "think that";
- `opinion` again for any other claim (a clause with its own subject, written for "che").
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
        ]
    ),
}


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
    words = claim_text(finding, lang).split(maxsplit=1)
    first = words[0].lower() if words else ""
    return "predicate" if first in VERB_STARTS[lang] else "opinion"
