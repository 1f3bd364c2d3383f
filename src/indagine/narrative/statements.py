"""Statements: one finding as one sentence, in the section of the letter it belongs to.

What a finding says depends on what is consolidated (newsletter.md):
- `share`: the share's sequence lies on one side of 50%: "circa due terzi del campione ritiene che";
- `strength`: only the mean is consolidated: "moderatamente d'accordo sul fatto che" (Likert bands);
- `open`: nothing is consolidated yet: "non è ancora evidente se" (interim);
- `divided`: still nothing at the close, the share near half: "il campione si divide sul fatto
  che ..." (final);
- `unsettled`: still nothing at the close, the share far from half (too few answers to settle
  it): "le risposte non bastano per dire se ..." (final; "divided" would contradict "80%");
- `percent`, `percent_open`, `percent_question`: a mean percentage of a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from indagine.analysis.findings import Finding, Quantity
from indagine.narrative.claims import claim_text, frame_of, is_question
from indagine.narrative.quantities import (
    Lang,
    Style,
    decimal,
    describe_percent,
    describe_share,
    strength,
    whole,
)
from indagine.narrative.sentences import Number, Sentence, compose, quantity_number
from indagine.narrative.vocabulary import SUBJECTS, text

Stage = Literal["interim", "final"]
Section = Literal["consolidated", "open", "conditional"]
Verdict = Literal[
    "share",
    "strength",
    "open",
    "divided",
    "unsettled",
    "percent",
    "percent_open",
    "percent_question",
]
# At the close, a share this near half is "divided"; farther, only too uncertain to state.
DIVIDED = (0.4, 0.6)


@dataclass(frozen=True)
class Context:
    """What every statement of one letter shares."""

    lang: Lang
    stage: Stage
    style: Style
    ranked: frozenset[str]


@dataclass(frozen=True)
class Statement:
    """A finding's sentence and the section it goes in."""

    section: Section
    verdict: Verdict
    finding: Finding


def verdict_of(finding: Finding, ctx: Context) -> Verdict | None:
    """What can be said of a finding now, or None when the letter leaves it to the report."""
    if frame_of(finding, ctx.lang, ctx.ranked) == "topic":
        return None
    final = ctx.stage == "final"
    mean, share = finding.mean, finding.share
    if mean is not None and mean.kind == "percent":
        if is_question(claim_text(finding, ctx.lang)):
            return "percent_question"
        return "percent" if mean.consolidated or final else "percent_open"
    mean_known = finding.kind == "scale" and mean is not None and mean.scale is not None
    if share is not None and share.consolidated:
        return "share"
    if mean_known and mean is not None and (mean.consolidated or (final and share is None)):
        return "strength"
    if share is not None:
        if not final:
            return "open"
        low, high = DIVIDED
        return "divided" if low <= share.estimate.estimate <= high else "unsettled"
    return "open" if mean_known and not final else None


def section_of(finding: Finding, verdict: Verdict, ctx: Context) -> Section:
    """Where the sentence goes: consolidated, open (and moderate), or conditional."""
    if finding.base.conditional:
        return "conditional"
    if verdict in ("open", "divided", "unsettled", "percent_open"):
        return "open"
    if verdict == "strength" and finding.mean is not None and finding.mean.scale is not None:
        band = strength(finding.mean.estimate.estimate, finding.mean.scale, ctx.style)
        return "open" if band in ("moderate", "neutral") else "consolidated"
    return "consolidated"


def statement(finding: Finding, ctx: Context) -> Statement | None:
    """The statement for a finding, or None when the letter does not state it."""
    verdict = verdict_of(finding, ctx)
    if verdict is None:
        return None
    return Statement(section_of(finding, verdict, ctx), verdict, finding)


def prefix(finding: Finding, lang: Lang) -> str:
    """The base a conditional finding is stated for ("tra chi ha ..., "), else nothing."""
    if not finding.base.conditional:
        return ""
    return (finding.base.description.get(lang) or text("everyone", lang)) + ", "


def sentence(st: Statement, ctx: Context, order: int) -> Sentence:
    """The sentence for a statement; `order` is its place in its section (for variety)."""
    f, lang = st.finding, ctx.lang
    claim, pre = claim_text(f, lang), prefix(f, lang)
    predicate = frame_of(f, lang, ctx.ranked) == "predicate"
    subject = "" if pre else SUBJECTS[lang][order % len(SUBJECTS[lang])]
    if st.verdict in ("share", "divided", "unsettled"):
        assert f.share is not None
        q = _share_number(f.key, f.share, ctx)
        if st.verdict == "share":
            key = "predicate" if predicate else "opinion"
        else:
            key = st.verdict + ("_predicate" if predicate else "")
        return compose(text(key, lang), f.key, prefix=pre, q=q, subject=subject, claim=claim)
    if st.verdict == "open":
        if predicate:
            claim = text("majority_of", lang).format(
                subject=SUBJECTS[lang][0] if not pre else "", claim=claim
            )
        key = OPEN_NEXT[(order - 1) % len(OPEN_NEXT)] if order and not pre else "open_first"
        return compose(text(key, lang), f.key, prefix=pre, claim=claim)
    if st.verdict == "strength":
        return _strength(f, ctx, pre, claim)
    return _percent(st, ctx, pre, claim)


# The open findings after the first, in turn: nine in a row all began "resta ancora da capire se".
OPEN_NEXT = ("open_next", "open_next_2", "open_next_3")


def _share_number(key: str, share: Quantity, ctx: Context) -> Number:
    phrase = describe_share(share.estimate.estimate, ctx.lang, ctx.style)
    return quantity_number(key, phrase, share, ctx.lang)


def _strength(f: Finding, ctx: Context, pre: str, claim: str) -> Sentence:
    """A mean's strength of agreement; a claim with its own verb is asked, not agreed with."""
    mean, lang = f.mean, ctx.lang
    assert mean is not None and mean.scale is not None
    band = strength(mean.estimate.estimate, mean.scale, ctx.style)
    words = text("mean", lang).format(
        x=decimal(mean.estimate.estimate, lang),
        low=whole(mean.scale[0]),
        high=whole(mean.scale[1]),
    )
    m = quantity_number(f.key, words, mean, lang)
    if frame_of(f, lang, ctx.ranked) == "predicate":
        who = text("who_asked_within" if pre else "who_asked", lang)
        return compose(
            text(f"{band}_predicate", lang), f.key, prefix=pre, who=who, claim=claim, m=m
        )
    who = text("who_within" if pre else "who", lang)
    return compose(text(band, lang), f.key, prefix=pre, who=who, claim=claim, m=m)


def _percent(st: Statement, ctx: Context, pre: str, claim: str) -> Sentence:
    f, lang = st.finding, ctx.lang
    assert f.mean is not None
    value = f.mean.estimate.estimate
    if st.verdict == "percent_open":
        return compose(text("percent_open", lang), f.key, prefix=pre, claim=claim)
    if st.verdict == "percent_question":
        phrase = describe_share(value / 100, lang, ctx.style, majority=False)
        q = quantity_number(f.key, phrase, f.mean, lang)
        return compose(text("percent_question", lang), f.key, prefix=pre, claim=claim, q=q)
    q = quantity_number(f.key, describe_percent(value, lang, ctx.style), f.mean, lang)
    return compose(text("percent", lang), f.key, prefix=pre, q=q, claim=claim)
