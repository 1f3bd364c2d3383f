"""The newsletter: a letter to the members from the findings, in the shape of newsletter.md."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from indagine.analysis.editions import Trend
from indagine.analysis.findings import Findings
from indagine.narrative.claims import frame_of, ranked_keys
from indagine.narrative.comparisons import contrast_sentence, effect_rankings, ranking_sentence
from indagine.narrative.editions import edition_sentences
from indagine.narrative.markup import markdown, to_html
from indagine.narrative.quantities import DEFAULT_STYLE, Lang, Style, decimal, percentage
from indagine.narrative.sentences import Part, Sentence, Url, compose, method_number
from indagine.narrative.statements import Context, Stage, Statement, sentence, statement
from indagine.narrative.vocabulary import count_words, date_words, joined, of_organisation, text


@dataclass(frozen=True)
class Letter:
    """An editable draft of the letter, as Markdown and as HTML, with what was left out."""

    lang: Lang
    stage: Stage
    paragraphs: tuple[tuple[Sentence, ...], ...]
    markdown: str
    html: str
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Signing:
    """Who writes the letter, from where and when, and the addresses it gives."""

    club: str | None
    promoter: str | None
    link: str | None
    place: str
    date: dt.date
    signature: str
    closes_on: dt.date | None
    theme: str | None


def write_letter(
    findings: Findings,
    lang: Lang,
    stage: Stage,
    *,
    club: str | None,
    promoter: str | None,
    link: str | None,
    place: str,
    date: dt.date,
    signature: str,
    closes_on: dt.date | None = None,
    theme: str | None = None,
    style: Style = DEFAULT_STYLE,
    editions: Sequence[Trend] = (),
) -> Letter:
    """Write the interim or final letter to the members from `findings`, in Italian or English.

    `club` is the organisation's name; None or blank greets the members without one.
    """
    ctx = Context(lang, stage, style, ranked_keys(findings))
    signing = Signing(club, promoter, link, place, date, signature, closes_on, theme)
    statements = [st for f in findings.items if (st := statement(f, ctx)) is not None]
    paragraphs = [
        [_greeting(club, lang)],
        _introduction(findings, ctx, signing),
        _consolidated(statements, ctx),
        _section(statements, "open", ctx),
        _conditional(statements, ctx),
        [s for r in effect_rankings(findings, ctx) if (s := ranking_sentence(r, findings, ctx))],
        edition_sentences(editions, findings, lang, ctx.ranked),
        _outlook(findings, statements, ctx),
        _closing(findings, ctx, signing),
        *_signature(ctx, signing),
    ]
    kept = tuple(tuple(p) for p in paragraphs if p)
    return Letter(
        lang, stage, kept, markdown(kept), to_html(kept, lang), _warnings(findings, statements, ctx)
    )


def _greeting(club: str | None, lang: Lang) -> Sentence:
    """The greeting, "Cari Amici del Club, buongiorno.", or "Cari soci, ..." without a name."""
    name = (club or "").strip()
    if not name:
        return compose(text("greeting_unnamed", lang))
    return compose(text("greeting", lang), of=of_organisation(name, lang))


def _introduction(findings: Findings, ctx: Context, signing: Signing) -> list[Sentence]:
    lang = ctx.lang
    promoter = joined("da", signing.promoter or "", lang)
    theme = joined("a", signing.theme or "", lang)
    about = ""
    if signing.promoter or signing.theme:
        key = "about_both" if signing.promoter and signing.theme else ""
        key = key or ("about_promoter" if signing.promoter else "about_theme")
        about = text(key, lang).format(promoter=promoter, theme=theme)
    title = findings.title.get(lang) or next(iter(findings.title.values()), findings.form_id)
    n = method_number(count_words(findings.n, lang), findings.n)
    if ctx.stage == "interim":
        return [compose(text("intro_interim", lang), title=title, about=about, n=n)]
    rate: tuple[Part, ...] = ()
    if findings.response_rate is not None:
        number = method_number(percentage(findings.response_rate, lang), findings.response_rate)
        rate = _split(text("rate", lang), number)
    sentences = [compose(text("intro_final", lang), title=title, about=about, n=n, rate=rate)]
    return sentences + _method(findings, lang)


def _split(template: str, number: Part) -> tuple[Part, ...]:
    """A template with one {rate} slot as parts, without capitalising it."""
    before, _, after = template.partition("{rate}")
    return tuple(p for p in (before, number, after) if p != "")


def _method(findings: Findings, lang: Lang) -> list[Sentence]:
    sentences = []
    if findings.margin_of_error is not None:
        words = text("moe", lang).format(x=decimal(findings.margin_of_error * 100, lang))
        moe = method_number(words, findings.margin_of_error)
        sentences.append(compose(text("margin", lang), moe=moe))
    if findings.weighted:
        sentences.append(compose(text("weighted", lang)))
    return sentences


def _consolidated(statements: list[Statement], ctx: Context) -> list[Sentence]:
    body = _section(statements, "consolidated", ctx)
    if body:
        return [compose(text(f"lead_{ctx.stage}", ctx.lang)), *body]
    return [compose(text("lead_none", ctx.lang))] if ctx.stage == "interim" else []


def _section(statements: list[Statement], section: str, ctx: Context) -> list[Sentence]:
    chosen = [st for st in statements if st.section == section]
    return [sentence(st, ctx, i) for i, st in enumerate(chosen)]


def _conditional(statements: list[Statement], ctx: Context) -> list[Sentence]:
    body = _section(statements, "conditional", ctx)
    if not body:
        return []
    return [*body, compose(text("scope_one" if len(body) == 1 else "scope_many", ctx.lang))]


def _outlook(findings: Findings, statements: list[Statement], ctx: Context) -> list[Sentence]:
    lang = ctx.lang
    if ctx.stage == "interim":
        still_open = any(st.verdict in ("open", "percent_open") for st in statements)
        what = text("settle" if still_open else "confirm", lang)
        return [compose(text("precision", lang), what=what)]
    body = [s for c in findings.contrasts if (s := contrast_sentence(c, findings, ctx))]
    return [compose(text("contrasts", lang)), *body] if body else []


def _closing(findings: Findings, ctx: Context, signing: Signing) -> list[Sentence]:
    lang = ctx.lang
    link: Part = Url(signing.link) if signing.link else ""
    if ctx.stage == "final":
        thanks = [compose(text("thanks_final", lang))]
        return thanks + ([compose(text("report_link", lang), link=link)] if link else [])
    closes = signing.closes_on or findings.closes_on
    when = (
        compose(text("closes", lang), date=date_words(closes, lang, with_article=True))
        if closes
        else compose(text("closes_soon", lang))
    )
    invite = (
        compose(text("invite_link", lang), link=link) if link else compose(text("invite", lang))
    )
    return [when, compose(text("thanks_interim", lang)), invite]


def _signature(ctx: Context, signing: Signing) -> list[list[Sentence]]:
    dated = f"{signing.place}, {date_words(signing.date, ctx.lang)}"
    return [
        [compose(text("farewell", ctx.lang))],
        [Sentence((signing.signature,))],
        [Sentence((dated,))],
    ]


def _warnings(findings: Findings, statements: list[Statement], ctx: Context) -> tuple[str, ...]:
    stated = {st.finding.key for st in statements}
    notes = []
    for f in findings.items:
        if f.key not in stated and frame_of(f, ctx.lang, ctx.ranked) != "topic":
            notes.append(f"{f.key}: not stated in the letter (left to the report)")
        elif ctx.lang not in f.claim:
            notes.append(f"{f.key}: no claim::{ctx.lang}, the label is used")
        if f.base.conditional and ctx.lang not in f.base.description:
            notes.append(f"{f.key}: the base has no description in {ctx.lang}")
    return tuple(notes)
