"""Comparisons: the ranking of effects and the significant differences between groups."""

from __future__ import annotations

from dataclasses import replace

from indagine.analysis.findings import Contrast, Finding, Findings, Ranking
from indagine.narrative.claims import claim_text, frame_of, named_together, spoken
from indagine.narrative.quantities import Phrase, describe_pair, describe_share
from indagine.narrative.sentences import Number, Sentence, compose, estimate_number, quantity_number
from indagine.narrative.statements import Context
from indagine.narrative.vocabulary import joined, text


def _positive_labels(finding: Finding, ctx: Context) -> str:
    """The answers counted in the share, quoted ("«Significativo» o «Molto significativo»")."""
    labels = {name: label.get(ctx.lang, "") for name, label, _ in finding.choices}
    chosen = [labels.get(name, "") for name in finding.positive]
    if not chosen or not all(chosen):
        return text("upper_half", ctx.lang)
    quoted = [text("quote", ctx.lang).format(x=label) for label in chosen]
    last = text("or", ctx.lang).join(quoted[-2:])
    return ", ".join([*quoted[:-2], last])


def _share_of(finding: Finding, phrase: Phrase, ctx: Context) -> Number:
    assert finding.share is not None
    return quantity_number(finding.key, phrase, finding.share, ctx.lang)


def ranking_sentence(ranking: Ranking, findings: Findings, ctx: Context) -> Sentence | None:
    """The strongest items, named only as far as the data separate them from the rest."""
    items = [findings.finding(key) for key in ranking.items]
    ranked = [f for f in items if f is not None and f.share is not None]
    if len(ranked) < 2 or len(ranked) != len(ranking.items):
        return None
    lang = ctx.lang
    yet = text("yet", lang) if ctx.stage == "interim" else ""
    first, second = ranked[0], ranked[1]
    assert first.share is not None and second.share is not None
    labels = _positive_labels(first, ctx)
    a, b = claim_text(first, lang), claim_text(second, lang)
    p, q = first.share.estimate.estimate, second.share.estimate.estimate
    pa, pb = describe_pair(p, q, lang, ctx.style)
    if ranking.separated >= 2 and len(ranked) > 2:
        qa, qb = _share_of(first, pa, ctx), _share_of(second, pb, ctx)
        keys = f"{first.key} {second.key}"
        ab = named_together(a, b, lang)
        return compose(text("ranked_two", lang), keys, ab=ab, labels=labels, qa=qa, qb=qb)
    if ranking.separated >= 1:
        phrase = describe_share(first.share.estimate.estimate, lang, ctx.style)
        qa = _share_of(first, phrase, ctx)
        return compose(
            text("ranked_one", lang), first.key, a=spoken(a, lang), labels=labels, qa=qa, yet=yet
        )
    return compose(text("ranked_none", lang), None, yet=yet)


def effect_rankings(findings: Findings, ctx: Context) -> list[Ranking]:
    """The rankings of effects: those whose items are topics, not opinions."""
    return [
        r
        for r in findings.rankings
        if all(
            (f := findings.finding(key)) is not None
            and frame_of(f, ctx.lang, ctx.ranked) == "topic"
            for key in r.items
        )
    ]


def contrast_sentence(contrast: Contrast, findings: Findings, ctx: Context) -> Sentence | None:
    """A significant difference: "Nel gruppo «BPO» la quota ... sale a ..., contro ..."."""
    finding = findings.finding(contrast.finding)
    if finding is None or contrast.p_value >= findings.alpha:
        return None
    lang, key = ctx.lang, finding.key
    claim = claim_text(finding, lang)
    predicate = frame_of(finding, lang, ctx.ranked) == "predicate"
    what = claim if predicate else text("thinks", lang).format(claim=claim)
    seg_p, all_p = contrast.segment_share.estimate, contrast.overall_share.estimate
    seg, overall = describe_pair(seg_p, all_p, lang, ctx.style)
    if lang == "it":  # "sale all'81%", "scende a circa un terzo"
        seg = replace(seg, text=joined("a", seg.text, lang))
    return compose(
        text("contrast", lang),
        key,
        segment=contrast.segment_label.get(lang) or contrast.segment,
        what=what,
        verb=text("rises" if seg_p > all_p else "falls", lang),
        seg=estimate_number(key, seg, contrast.segment_share, lang),
        overall=estimate_number(key, overall, contrast.overall_share, lang),
    )
