"""From stored responses to findings: the panel's composition as weighting margins, and the
findings the dashboard, the report, the newsletter and the API show, from the columnar snapshot
(kept up to date incrementally by ``results.snapshots``)."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Count
from django.utils import timezone

from indagine.analysis.compute import Analysis, default_profile
from indagine.analysis.findings import Findings
from indagine.analysis.frame import COMPLETED_AT, ID
from indagine.collect.models import Response
from indagine.forms.model import Form, QuestionType
from indagine.results import snapshots
from indagine.results.codes import ResultsCode, ResultsError
from indagine.results.snapshots import EPOCH, Held, snapshot
from indagine.results.snapshots import one_look as one_look  # the views' one look a page
from indagine.surveys.models import Survey

_LOCK = threading.Lock()
_FINDINGS: OrderedDict[tuple[Any, ...], Findings] = OrderedDict()
# Per (survey, form version, view, margin questions): the analysis of the rows seen so far, with
# how many rows that is and the sum of their ids (a rebuilt snapshot no longer starts with them).
_ANALYSES: OrderedDict[tuple[Any, ...], tuple[Analysis, int, int]] = OrderedDict()
_DERIVED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


def _complete(survey: Survey):
    """The survey's complete responses that count: test responses never reach the report."""
    return Response.objects.filter(survey=survey, status=Response.Status.COMPLETE, test=False)


def forget() -> None:
    """Drop every snapshot and figure this process holds, and the Parquet files: after the
    database was replaced (a restore), whose ids may be those of other responses."""
    with _LOCK:
        for cache in (_FINDINGS, _ANALYSES, _DERIVED):
            cache.clear()
    snapshots.forget()


def panel_size(survey: Survey) -> int | None:
    """Members invited to the survey (the population of a member survey), if it has a panel."""
    from indagine.panel.models import Member

    count = Member.objects.filter(survey=survey).count()
    return count or None


def panel_margins(survey: Survey, frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    """The panel's composition by the profile questions the member list also records
    (attributes named like the question, valued like its choices): raking margins."""
    from indagine.panel.models import Member

    form = survey.current_version.form
    attributes = list(Member.objects.filter(survey=survey).values_list("attributes", flat=True))
    margins: dict[str, dict[str, float]] = {}
    for name in default_profile(form):
        question = form.question(name)
        if question is None or question.type is not QuestionType.SELECT_ONE:
            continue
        choices = {c.name for c in question.choices}
        counts = Counter(str(a.get(name)) for a in attributes if str(a.get(name)) in choices)
        seen = (
            set(frame.get_column(name).drop_nulls().unique().to_list()) if frame.height else set()
        )
        if not counts or sum(counts.values()) < 0.8 * len(attributes) or not seen <= set(counts):
            continue
        margins[name] = {level: float(count) for level, count in counts.items()}
    return margins


@dataclass(frozen=True)
class View:
    """What the organiser asked to see."""

    weighted: bool = False
    segment: tuple[str, str] | None = None  # (question, choice)
    tests: bool = False  # test responses counted too: the organiser's dashboard only


def findings(survey: Survey, view: View = View()) -> Findings:
    """The findings of the survey's complete responses, recomputed only when answers arrived."""
    held = snapshots.held_for(survey, view.tests)
    snap = held.snapshot
    form = snap.form
    frame = snap.frame
    if view.segment:
        question, choice = view.segment
        if question not in frame.columns or question in form.repeats():
            raise ResultsError(ResultsCode.BAD_SEGMENT, f"no question '{question}'")
        asked = form.question(question)
        if asked is not None and asked.choices and asked.choice(choice) is None:
            raise ResultsError(ResultsCode.BAD_SEGMENT, f"'{question}' has no choice '{choice}'")
    key = (survey.pk, snap.signature, held.mark, view, survey.closes_at)
    with _LOCK:
        if key in _FINDINGS:
            return _FINDINGS[key]
    if view.segment:
        question, choice = view.segment
        frame = frame.filter(pl.col(question).cast(pl.String) == choice)
    size = panel_size(survey) if view.segment is None else None
    margins = panel_margins(survey, frame) if view.weighted else None
    kept = (survey.pk, snap.signature, view, tuple(margins or ()))
    analysis = _analysis(kept, form, frame, snap.instances)
    result = analysis.findings(
        panel_size=size if size and size >= frame.height else None,
        margins=margins or None,
        closes_on=timezone.localtime(survey.closes_at).date() if survey.closes_at else None,
        computed_at=timezone.now(),
    )
    with _LOCK:
        _FINDINGS[key] = result
        while len(_FINDINGS) > 32:
            _FINDINGS.popitem(last=False)
    return result


def _analysis(
    key: tuple[Any, ...], form: Form, frame: pl.DataFrame, instances: pl.DataFrame
) -> Analysis:
    """The analysis of `frame`, updated with only the rows appended since the last call (the
    snapshot grows by appending); built anew when the frame no longer starts with those rows.
    A form with repeats takes the instances of those rows from `instances`."""
    ids = frame.get_column(ID)
    with _LOCK:
        held = _ANALYSES.get(key)
        if held is not None:
            analysis, seen, checksum = held
            if seen > frame.height or int(ids.head(seen).sum() or 0) != checksum:
                held = None
        if held is None:
            analysis, seen = Analysis(form, margins=key[-1]), 0
        analysis.update(frame.slice(seen), instances)
        _ANALYSES[key] = (analysis, frame.height, int(ids.sum() or 0))
        _ANALYSES.move_to_end(key)
        while len(_ANALYSES) > 16:
            _ANALYSES.popitem(last=False)
        return analysis


def testimonies(survey: Survey, limit: int = 50) -> list[str]:
    """Open answers whose authors agreed to be quoted: a text question followed by a yes/no
    question asked only when the text was written (`string-length(${text}) > 0`)."""
    form = survey.current_version.form
    pairs = []
    for question in form.questions():
        if (
            question.type is QuestionType.SELECT_ONE
            and not question.repeat  # a repeat's answers are not at the top of the answers
            and question.relevant
            and question.choice("yes") is not None
            and "string-length" in question.relevant
        ):
            for other in form.questions():
                if other.type is QuestionType.TEXT and f"${{{other.name}}}" in question.relevant:
                    pairs.append((other.name, question.name))
    quotes: list[str] = []
    for text, consent in pairs:
        rows = _complete(survey).order_by("pk").values_list("answers", flat=True)
        for answers in rows.iterator(chunk_size=2000):
            if answers.get(consent) == "yes" and answers.get(text):
                quotes.append(str(answers[text]))
                if len(quotes) >= limit:
                    return quotes
    return quotes


def drop_off(survey: Survey) -> list[tuple[int, str, int]]:
    """Where respondents stop: (page index, page title, partial responses stopped there)."""
    form = survey.current_version.form
    partial = Response.objects.filter(survey=survey, status=Response.Status.PARTIAL, test=False)
    counts = dict(partial.values_list("page").annotate(n=Count("pk")).values_list("page", "n"))
    lang = form.default_language
    return [
        (i, page.title.get(lang) or page.name, counts.get(i, 0))
        for i, page in enumerate(form.pages)
    ]


def median_duration(survey: Survey, tests: bool = False) -> dt.timedelta | None:
    """How long a respondent took, from the first page to the last, at the median of complete
    responses; None in an anonymous survey (its times are of the day only) or before any.
    From the seconds held beside the snapshot, read with its rows."""
    if survey.anonymous:
        return None
    held = snapshots.held_for(survey, tests)
    return _derived(("duration", survey.pk, tests), held, lambda: _median(held))


def _median(held: Held) -> dt.timedelta | None:
    times = held.snapshot.frame.get_column(COMPLETED_AT)
    spans = held.seconds.filter((times != EPOCH).to_numpy()).drop_nulls()
    if spans.len() == 0:
        return None
    return dt.timedelta(seconds=round(float(spans.median())))  # type: ignore[arg-type]


def responses_by_day(survey: Survey, tests: bool = False) -> list[tuple[dt.date, int]]:
    """Complete responses per day of completion, in the current time zone, from the
    snapshot's completion times (no million datetimes through the ORM)."""
    held = snapshots.held_for(survey, tests)
    zone = timezone.get_current_timezone_name()

    def count() -> list[tuple[dt.date, int]]:
        times = held.snapshot.frame.get_column(COMPLETED_AT)
        days = times.filter(times != EPOCH).dt.convert_time_zone(zone).dt.date()
        counted = days.value_counts(sort=False).sort(days.name)
        return [(day, int(n)) for day, n in counted.iter_rows()]

    return _derived(("days", survey.pk, zone, tests), held, count)


def responses_by_hour(survey: Survey, tests: bool = False) -> list[tuple[dt.datetime, int]]:
    """Complete responses per hour of completion (its start, in the current time zone): the
    first days' chart. An anonymous survey keeps only the day of each completion: none."""
    if survey.anonymous:
        return []
    held = snapshots.held_for(survey, tests)
    zone = timezone.get_current_timezone_name()

    def count() -> list[tuple[dt.datetime, int]]:
        times = held.snapshot.frame.get_column(COMPLETED_AT)
        hours = times.filter(times != EPOCH).dt.convert_time_zone(zone).dt.truncate("1h")
        counted = hours.value_counts(sort=False).sort(hours.name)
        return [(hour, int(n)) for hour, n in counted.iter_rows()]

    return _derived(("hours", survey.pk, zone, tests), held, count)


def _derived(key: tuple[Any, ...], held: Held, compute: Callable[[], Any]) -> Any:
    """A figure of the held snapshot, computed once per state of it."""
    full = (*key, held.snapshot.signature, held.mark)
    with _LOCK:
        if full in _DERIVED:
            return _DERIVED[full]
    value = compute()
    with _LOCK:
        _DERIVED[full] = value
        while len(_DERIVED) > 32:
            _DERIVED.popitem(last=False)
    return value


def segment_choices(survey: Survey) -> list[tuple[str, Mapping[str, str], list[tuple[str, str]]]]:
    """The profile questions a dashboard can filter by: (name, label texts, [(choice, label)])."""
    form = survey.current_version.form
    lang = form.default_language
    out = []
    for name in default_profile(form):
        question = form.question(name)
        if question is not None:
            out.append(
                (
                    name,
                    question.label.values,
                    [(c.name, c.label.get(lang)) for c in question.choices],
                )
            )
    return out


@dataclass(frozen=True)
class CrossView:
    """A crosstab as the dashboard shows it: shares of each answer within each group."""

    item: str
    by: str
    columns: tuple[str, ...]  # answer labels
    rows: tuple[tuple[str, int, tuple[Any, ...]], ...]  # (group label, n, row share estimates)
    statistic: float
    ndf: float
    ddf: float
    p_value: float


def crosstab(
    survey: Survey, item: str, by: str, view: View = View(), lang: str | None = None
) -> CrossView:
    """The answers to `item` within each group of the profile question `by` (Rao-Scott F),
    rows and columns in the questionnaire's order and the page's language."""
    from indagine.stats.crosstab import crosstab as cross
    from indagine.stats.design import survey_design

    snap = snapshot(survey, view.tests)
    form = snap.form
    question, group = form.question(item), form.question(by)
    if (
        question is None
        or group is None
        or question.type is not QuestionType.SELECT_ONE
        or group.type is not QuestionType.SELECT_ONE
    ):
        raise ResultsError(ResultsCode.BAD_CROSSTAB, "choose two single-choice questions")
    if item == by:
        raise ResultsError(ResultsCode.BAD_CROSSTAB, "choose two different questions")
    if question.repeat or group.repeat:  # asked once per instance: no answer per respondent
        raise ResultsError(ResultsCode.BAD_CROSSTAB, "choose questions asked once, not repeated")
    frame = snap.frame.filter(pl.col(item).is_not_null() & pl.col(by).is_not_null())
    if frame.height < 2:
        raise ResultsError(ResultsCode.TOO_FEW, "not enough answers to both questions yet")
    size = panel_size(survey)
    design = survey_design(frame.height, fpc=size if size and size >= frame.height else None)
    table = cross(
        design, frame.get_column(by).to_list(), frame.get_column(item).to_list(), names=(by, item)
    )
    lang = lang or form.default_language
    label = {c.name: c.label.get(lang) for c in question.choices}
    group_label = {c.name: c.label.get(lang) for c in group.choices}
    counts = table.counts.sum(axis=1)
    place = {c.name: i for i, c in enumerate(question.choices)}
    group_place = {c.name: i for i, c in enumerate(group.choices)}
    columns = sorted(range(len(table.columns)), key=lambda j: place.get(table.columns[j], 1e9))
    rows = sorted(range(len(table.rows)), key=lambda i: group_place.get(table.rows[i], 1e9))
    return CrossView(
        item,
        by,
        tuple(label.get(table.columns[j], table.columns[j]) for j in columns),
        tuple(
            (
                group_label.get(table.rows[i], table.rows[i]),
                int(counts[i]),
                tuple(table.row_shares[i][j] for j in columns),
            )
            for i in rows
        ),
        float(table.test.statistic),
        float(table.test.ndf),
        float(table.test.ddf),
        float(table.test.p_value),
    )
