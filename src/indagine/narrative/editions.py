"""What the letter says about the editions: each headline share that changed clearly since the
edition before, with both figures ("la quota di chi ha messo in remote working almeno una parte
del personale è salita dall'83% del 2020 al 95%"), and plainly when a difference is not evident.
A change is called clear only when `analysis.editions` judged it so (Holm at the close, the
anytime-valid bound while open); one not yet judged (a choice's share while the survey is open)
is not stated. Every figure links to the report's table of the editions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from indagine.analysis.editions import Trend
from indagine.analysis.findings import Findings
from indagine.narrative.claims import claim_text, frame_of, is_question
from indagine.narrative.quantities import Lang, article
from indagine.narrative.sentences import Number, Sentence, compose, described
from indagine.narrative.statements import prefix
from indagine.stats.estimates import Estimate

WORDS: dict[str, dict[str, str]] = {
    "it": {
        "who": "chi {claim}",
        "who_think": "chi ritiene che {claim}",
        "rose": "{prefix}la quota di {who} è salita {from_} {of_year} {to} di oggi.",
        "fell": "{prefix}la quota di {who} è scesa {from_} {of_year} {to} di oggi.",
        "same": "{prefix}sulla quota di {who} non c'è un cambiamento evidente {since_year}: "
        "{before} allora, {now} oggi.",
        "heading": "Ed ecco il confronto con {the_edition}.",
        "of_year": "del {year}",
        "of_label": "dell'edizione «{year}»",
        "since_year": "rispetto al {year}",
        "since_label": "rispetto all'edizione «{year}»",
        "the_edition_year": "l'edizione del {year}",
        "the_edition_label": "l'edizione «{year}»",
    },
    "en": {
        "who": "who {claim}",
        "who_think": "who think that {claim}",
        "rose": "{prefix}the share {who} rose from {from_} {of_year} to {to} now.",
        "fell": "{prefix}the share {who} fell from {from_} {of_year} to {to} now.",
        "same": "{prefix}there is no evident change in the share {who} {since_year}: {before} "
        "then, {now} now.",
        "heading": "And here is how this compares with {the_edition}.",
        "of_year": "in {year}",
        "of_label": "in the “{year}” edition",
        "since_year": "since {year}",
        "since_label": "since the “{year}” edition",
        "the_edition_year": "the {year} edition",
        "the_edition_label": "the “{year}” edition",
    },
}


def _edition_words(key: str, label: str, lang: Lang) -> str:
    """A year reads as a year ("del 2020"), any other label as the edition's name."""
    kind = "year" if re.fullmatch(r"\d{4}", label.strip()) else "label"
    return WORDS[lang][f"{key}_{kind}"].format(year=label)


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
    heading = WORDS[lang]["heading"].format(the_edition=_edition_words("the_edition", year, lang))
    out = [compose(heading)]
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
    frame = frame_of(finding, lang, ranked)
    if not claim or is_question(claim) or frame == "topic":
        return None  # a topic is stated only in its ranking, as the letter's findings are
    words = WORDS[lang]
    key = "who" if frame == "predicate" else "who_think"
    pre = prefix(finding, lang)
    who = words[key].format(claim=claim)
    then = _number(trend, before.estimate, lang, before.edition, preposition="from")
    today = _number(trend, now.estimate, lang, "", preposition="to")
    if trend.clear:
        rising = now.estimate.estimate > before.estimate.estimate
        template = words["rose" if rising else "fell"]
        of_year = _edition_words("of", before.edition, lang)
        return compose(
            template, trend.key, prefix=pre, who=who, of_year=of_year, from_=then, to=today
        )
    plain_then = _number(trend, before.estimate, lang, before.edition)
    plain_now = _number(trend, now.estimate, lang, "")
    since = _edition_words("since", before.edition, lang)
    return compose(
        words["same"],
        trend.key,
        prefix=pre,
        who=who,
        since_year=since,
        before=plain_then,
        now=plain_now,
    )


def _number(
    trend: Trend, estimate: Estimate, lang: Lang, edition: str, preposition: str = ""
) -> Number:
    """A percentage linked to the report's table of the editions: "dall'83%", "al 95%"."""
    k = round(estimate.estimate * 100)
    if lang == "it" and preposition:
        # the article of the number read aloud: l'80%, lo 0% (zero), il 30%
        kind = "l'" if article(k) == "l'" else "lo" if k == 0 else "il"
        lead = {
            ("from", "l'"): "dall'",
            ("from", "lo"): "dallo ",
            ("from", "il"): "dal ",
            ("to", "l'"): "all'",
            ("to", "lo"): "allo ",
            ("to", "il"): "al ",
        }[(preposition, kind)]
        words = f"{lead}{k}%"
    else:
        words = f"{k}%"
    title = described(estimate, lang) + (f" ({edition})" if edition else "")
    return Number(words, f"#edition-{trend.key}", title, estimate.estimate)
