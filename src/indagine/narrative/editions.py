"""What the letter says about the editions: each headline share that changed clearly since the
edition before, with both figures ("la quota di chi ha messo in remote working almeno una parte
del personale è salita dall'83% del 2020 al 95%"), and plainly when a difference is not evident.
A change is called clear only when `analysis.editions` judged it so (Holm at the close, the
anytime-valid bound while open); one not yet judged (a choice's share while the survey is open)
is not stated. Every figure links to the report's table of the editions."""

from __future__ import annotations

from collections.abc import Sequence

from indagine.analysis.editions import Trend
from indagine.analysis.findings import Findings
from indagine.narrative.claims import claim_text, frame_of, is_question
from indagine.narrative.quantities import Lang, article
from indagine.narrative.sentences import Number, Sentence, compose, described
from indagine.stats.estimates import Estimate

WORDS: dict[str, dict[str, str]] = {
    "it": {
        "who": "chi {claim}",
        "who_think": "chi ritiene che {claim}",
        "rose": "la quota di {who} è salita {from_} del {year} {to} di oggi.",
        "fell": "la quota di {who} è scesa {from_} del {year} {to} di oggi.",
        "same": "sulla quota di {who} non c'è un cambiamento evidente rispetto al {year}: {before} "
        "allora, {now} oggi.",
        "heading": "Rispetto all'edizione del {year}:",
    },
    "en": {
        "who": "who {claim}",
        "who_think": "who think that {claim}",
        "rose": "the share {who} rose from {from_} in {year} to {to} now.",
        "fell": "the share {who} fell from {from_} in {year} to {to} now.",
        "same": "there is no evident change in the share {who} since {year}: {before} then, "
        "{now} now.",
        "heading": "Compared with the {year} edition:",
    },
}


def edition_sentences(
    trends: Sequence[Trend], findings: Findings, lang: Lang, ranked: frozenset[str] = frozenset()
) -> list[Sentence]:
    """The sentences about the changes of the headline shares, clear ones first."""
    chosen = [
        t
        for t in trends
        if t.kind == "share" and not t.choice and t.change is not None and t.judged != "later"
    ]
    if not chosen:
        return []
    year = chosen[0].points[-2].edition
    out = [compose(WORDS[lang]["heading"].format(year=year))]
    for trend in sorted(chosen, key=lambda t: not t.clear):
        said = _sentence(trend, findings, lang, ranked)
        if said is not None:
            out.append(said)
    return out if len(out) > 1 else []


def _sentence(
    trend: Trend, findings: Findings, lang: Lang, ranked: frozenset[str]
) -> Sentence | None:
    finding = findings.finding(trend.key)
    before, now = trend.points[-2], trend.points[-1]
    if finding is None or before.estimate is None or now.estimate is None:
        return None
    claim = claim_text(finding, lang)
    if not claim or is_question(claim):
        return None
    words = WORDS[lang]
    key = "who" if frame_of(finding, lang, ranked) == "predicate" else "who_think"
    who = words[key].format(claim=claim)
    then = _number(trend, before.estimate, lang, before.edition, preposition="from")
    today = _number(trend, now.estimate, lang, "", preposition="to")
    if trend.clear:
        rising = now.estimate.estimate > before.estimate.estimate
        template = words["rose" if rising else "fell"]
        return compose(template, trend.key, who=who, year=before.edition, from_=then, to=today)
    plain_then = _number(trend, before.estimate, lang, before.edition)
    plain_now = _number(trend, now.estimate, lang, "")
    return compose(
        words["same"], trend.key, who=who, year=before.edition, before=plain_then, now=plain_now
    )


def _number(
    trend: Trend, estimate: Estimate, lang: Lang, edition: str, preposition: str = ""
) -> Number:
    """A percentage linked to the report's table of the editions: "dall'83%", "al 95%"."""
    k = round(estimate.estimate * 100)
    if lang == "it" and preposition:
        elided = article(k) == "l'"
        lead = (
            ("dall'" if elided else "dal ")
            if preposition == "from"
            else ("all'" if elided else "al ")
        )
        words = f"{lead}{k}%"
    else:
        words = f"{k}%"
    title = described(estimate, lang) + (f" ({edition})" if edition else "")
    return Number(words, f"#edition-{trend.key}", title, estimate.estimate)
