"""A survey's findings beside its earlier editions' (`analysis.editions`): the earlier
surveys' findings and the past editions' tables, each question's name in each, and whether
the survey is still open (its changes then judged at every look)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from indagine.analysis.editions import Earlier, Trend, trends
from indagine.analysis.findings import Findings
from indagine.charts.trend import EditionPoint, trend_chart
from indagine.forms.model import Form
from indagine.results import services
from indagine.surveys import editions
from indagine.surveys.models import Survey


def compared(survey: Survey, found: Findings, weighted: bool = False) -> tuple[Trend, ...]:
    """Each matched figure across the editions up to `survey`, with its change since the one
    before, judged ("clear" or not); nothing for a survey that follows no other."""
    line = editions.chain(survey)
    every = editions.editions(survey)[:-1]  # oldest first, this survey left out
    if not every:
        return ()
    names = _names_back(line)
    view = services.View(weighted=weighted)
    earlier = []
    for edition in every:
        if edition.past is not None:
            given = names.get(edition.past.survey_id, {})
            earlier.append(Earlier(edition.label, given, tables=edition.past.figures))
        elif edition.survey is not None and edition.survey.current_version is not None:
            then = services.findings(edition.survey, view)
            given = names.get(edition.survey.pk, {})
            earlier.append(Earlier(edition.label, given, findings=then))
    return trends(
        found, survey.edition_name, earlier, is_open=survey.is_accepting(), alpha=found.alpha
    )


def _names_back(line: list[Survey]) -> dict[int, dict[str, str]]:
    """For each survey of the line, this edition's question names to that survey's ('' for
    none): each step's matching, composed back from this edition."""
    current = line[-1]
    if current.current_version is None:
        return {}
    mapping = {q.name: q.name for q in editions.compared(current.current_version.form)}
    out = {current.pk: dict(mapping)}
    for later, before in zip(line[:0:-1], line[-2::-1], strict=True):
        form: Form | None = before.current_version.form if before.current_version else None
        step = editions.matches(later, form)
        mapping = {name: step.get(middle, "") if middle else "" for name, middle in mapping.items()}
        out[before.pk] = dict(mapping)
    return out


@dataclass(frozen=True)
class Shown:
    """One trend as the dashboard and the report show it."""

    trend: Trend
    title: str
    chart: SafeString
    points: tuple[tuple[str, Any, bool], ...]  # edition, estimate, from published tables


def shown(found: tuple[Trend, ...], lang: str) -> list[Shown]:
    out = []
    for trend in found:
        label = trend.label.get(lang) or next(iter(trend.label.values()), trend.key)
        if trend.choice:
            choice = trend.choice_label.get(lang) or trend.choice
            label = f"{label} – {choice}"
        points = [
            EditionPoint(p.edition, p.estimate.estimate, p.estimate.ci_low, p.estimate.ci_high)
            for p in trend.points
            if p.estimate is not None
        ]
        chart = trend_chart(points, share=trend.kind == "share", title=label)
        out.append(
            Shown(
                trend,
                label,
                mark_safe(chart),  # charts.trend escapes every text it writes
                tuple((p.edition, p.estimate, p.from_tables) for p in trend.points),
            )
        )
    return out
