"""The report: findings as HTML (charts, a table per question, the method) and as PDF."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe

from indagine.analysis.editions import Trend
from indagine.analysis.findings import Finding, Findings, Quantity
from indagine.charts.likert import LikertRow, diverging_bars
from indagine.charts.ranks import RankPoint, rank_chart
from indagine.charts.shares import ShareBar, share_bars
from indagine.results import editions


@dataclass(frozen=True)
class Row:
    label: str
    share: float
    low: float
    high: float


@dataclass(frozen=True)
class RankRow:
    """One item of a ranking question, lowest mean rank first."""

    label: str
    mean_rank: Quantity
    first: Quantity


@dataclass(frozen=True)
class Section:
    finding: Finding
    label: str
    claim: str
    base: str
    rows: tuple[Row, ...]
    share: Quantity | None
    mean: Quantity | None
    chart: str  # SVG, safe
    counted: str = ""  # the answers the headline share counts ("Sì, la maggior parte; ...")
    ranks: tuple[RankRow, ...] = ()  # a ranking question's items


@dataclass(frozen=True)
class LikertStatement:
    """One bar of a Likert chart as its table row: the statement whole, a share per scale point."""

    label: str
    shares: tuple[float, ...]
    n: int


@dataclass(frozen=True)
class LikertChart:
    """A group of statements sharing a scale: the chart and the same numbers as a table."""

    group: str
    title: str
    svg: str  # safe
    categories: tuple[str, ...]
    statements: tuple[LikertStatement, ...]


def _text(texts: Any, lang: str) -> str:
    if not texts:
        return ""
    return texts.get(lang) or next(iter(texts.values()), "")


def _rows(finding: Finding, lang: str) -> tuple[Row, ...]:
    return tuple(
        Row(_text(label, lang) or name, e.estimate, e.ci_low, e.ci_high)
        for name, label, e in finding.choices
    )


def _ranks(finding: Finding, lang: str) -> tuple[RankRow, ...]:
    return tuple(
        RankRow(_text(item.label, lang) or item.name, item.mean_rank, item.first)
        for item in finding.ranks
    )


def _chart(finding: Finding, rows: Sequence[Row], lang: str, ranks: Sequence[RankRow] = ()) -> str:
    if finding.kind in ("choice", "multiple") and rows:
        bars = [ShareBar(r.label, r.share, r.low, r.high) for r in rows]
        return share_bars(bars, title=_text(finding.label, lang)[:90])
    if finding.kind == "ranking" and ranks:
        points = [
            RankPoint(
                _short(r.label, 40),
                r.mean_rank.estimate.estimate,
                r.mean_rank.estimate.ci_low,
                r.mean_rank.estimate.ci_high,
                r.first.estimate.estimate,
                r.first.estimate.ci_low,
                r.first.estimate.ci_high,
            )
            for r in ranks
        ]
        return rank_chart(  # axis words in the page's language, as its table's headers
            points,
            places=len(points),
            title=_text(finding.label, lang)[:90],
            mean_label=translation.gettext("Mean rank (1 = first)"),
            first_label=translation.gettext("Ranked first"),
        )
    return ""


def _short(label: str, width: int = 60) -> str:
    """A chart's item label cut at a word, with an ellipsis ('...ha messo in remot' read as a
    typo); the table beside the chart has it whole."""
    return textwrap.shorten(label, width, placeholder=" …")


def likert_charts(findings: Findings, lang: str) -> list[LikertChart]:
    """One diverging-bar chart per group of scale items sharing their choices, with its table."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings.items:
        if finding.kind == "scale" and finding.group and finding.choices:
            groups.setdefault(finding.group, []).append(finding)
    charts = []
    for group, items in groups.items():
        categories = [_text(label, lang) or name for name, label, _ in items[0].choices]
        rows = [
            LikertRow(_short(_text(f.label, lang)), [e.estimate for _, _, e in f.choices], f.base.n)
            for f in items
        ]
        labels = [_text(f.label, lang) for f in items]
        heads = {label.split(":", 1)[0].strip() for label in labels}
        if len(heads) == 1 and all(":" in label for label in labels):
            title = heads.pop()  # "Effetto su: conciliazione", "Effetto su: ..." -> its head
        else:
            with translation.override(lang):
                title = translation.gettext("Answers from %(low)s to %(high)s") % {
                    "low": categories[0],
                    "high": categories[-1],
                }
        svg = diverging_bars(rows, categories, title=_short(title, 80))
        statements = tuple(
            LikertStatement(label, tuple(row.shares), row.n)
            for label, row in zip(labels, rows, strict=True)
        )
        charts.append(LikertChart(group, title, mark_safe(svg), tuple(categories), statements))
    return charts


def sections(findings: Findings, lang: str) -> list[Section]:
    out = []
    for finding in findings.items:
        rows = _rows(finding, lang)
        ranks = _ranks(finding, lang)
        out.append(
            Section(
                finding=finding,
                label=_text(finding.label, lang),
                claim=_text(finding.claim, lang),
                base=_text(finding.base.description, lang),
                rows=rows,
                share=finding.share,
                mean=finding.mean,
                chart=mark_safe(_chart(finding, rows, lang, ranks)),
                counted="; ".join(
                    _text(label, lang) or name
                    for name, label, _ in finding.choices
                    if name in finding.positive
                ),
                ranks=ranks,
            )
        )
    return out


def report_context(
    findings: Findings,
    *,
    lang: str,
    title: str,
    stage: str,
    testimonies: Sequence[str] = (),
    trends: Sequence[Trend] = (),
    is_open: bool = False,
) -> dict[str, Any]:
    items = sections(findings, lang)
    return {
        "editions": editions.shown(tuple(trends), lang),
        "editions_open": is_open,
        "findings": findings,
        "lang": lang,
        "title": title,
        "stage": stage,
        "sections": items,
        "likert_charts": likert_charts(findings, lang),
        "consolidated": [s for s in items if _consolidated(s)],
        "open": [s for s in items if s.share is not None and not _consolidated(s)],
        "contrasts": findings.contrasts,
        "labels": {f.key: _text(f.label, lang) for f in findings.items},
        "testimonies": list(testimonies),
        "repeated": any(f.repeat for f in findings.items),  # findings over instances: said how
    }


def _consolidated(section: Section) -> bool:
    quantity = section.share or section.mean
    return quantity is not None and quantity.consolidated is not None


def render_html(
    findings: Findings,
    *,
    lang: str,
    title: str,
    stage: str = "interim",
    testimonies: Sequence[str] = (),
    trends: Sequence[Trend] = (),
    is_open: bool = False,
) -> str:
    context = report_context(
        findings,
        lang=lang,
        title=title,
        stage=stage,
        testimonies=testimonies,
        trends=trends,
        is_open=is_open,
    )
    with translation.override(lang):
        return render_to_string("results/report.html", {**context, "brand": _brand()})


def _brand() -> dict[str, str]:
    """The organisation's name, accent colour and logo (as a data: address, so that the HTML
    file and the PDF carry it with them)."""
    import base64

    from indagine.surveys import site

    shown = site.branding()
    row = site.saved()
    logo = ""
    if row.logo_type and row.logo:
        logo = f"data:{row.logo_type};base64,{base64.b64encode(bytes(row.logo)).decode()}"
    return {**shown, "logo": logo}


def render_pdf(html: str) -> bytes:
    """The same HTML, typeset by WeasyPrint for print (A4, page numbers)."""
    import logging

    from weasyprint import HTML

    # WeasyPrint reports every SVG presentation property it reads through CSS as "ignored",
    # though it draws them: keep its log to real errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html).write_pdf()
