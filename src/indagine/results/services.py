"""From stored responses to findings: the columnar snapshot kept up to date incrementally, the
panel's composition as weighting margins, and the findings the dashboard, the report, the
newsletter and the API show."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from indagine.analysis.compute import Analysis, default_profile
from indagine.analysis.findings import Findings
from indagine.analysis.frame import COMPLETED_AT, ID, Snapshot
from indagine.collect.models import Response
from indagine.forms.model import Form, QuestionType
from indagine.results.codes import ResultsCode, ResultsError
from indagine.surveys.models import Survey

CHUNK = 50_000
# Completions can be stamped a little out of order (several servers, anonymous day stamps):
# each refresh looks back this far and keeps only the ids it does not hold yet.
LOOK_BACK = dt.timedelta(minutes=10)

_LOCK = threading.Lock()
_SNAPSHOTS: OrderedDict[int, Snapshot] = OrderedDict()
_FINDINGS: OrderedDict[tuple[Any, ...], Findings] = OrderedDict()
# Per (survey, form version, view, margin questions): the analysis of the rows seen so far, with
# how many rows that is and the sum of their ids (a rebuilt snapshot no longer starts with them).
_ANALYSES: OrderedDict[tuple[Any, ...], tuple[Analysis, int, int]] = OrderedDict()


def _path(survey: Survey) -> Path:
    folder = Path(settings.DATA_DIR) / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"survey-{survey.pk}.parquet"


def _complete(survey: Survey):
    return Response.objects.filter(survey=survey, status=Response.Status.COMPLETE)


def _rows(queryset) -> Iterator[tuple[list[int], list[dt.datetime], list[str]]]:
    """(ids, completion times, answers as JSON text) in chunks: polars decodes the JSON."""
    rows = (
        queryset.order_by("pk")
        .annotate(raw=Cast("answers", TextField()))
        .values_list("pk", "completed_at", "raw")
        .iterator(chunk_size=CHUNK)
    )
    ids: list[int] = []
    times: list[dt.datetime] = []
    texts: list[str] = []
    for pk, completed_at, raw in rows:
        ids.append(pk)
        times.append(
            timezone.make_naive(completed_at, dt.UTC) if completed_at else dt.datetime(1970, 1, 1)
        )
        texts.append(raw)
        if len(ids) >= CHUNK:
            yield ids, times, texts
            ids, times, texts = [], [], []
    if ids:
        yield ids, times, texts


def _append(snapshot: Snapshot, queryset) -> Snapshot:
    """The snapshot with the rows of `queryset` it does not hold (analysis's rule)."""
    for ids, times, texts in _rows(queryset):
        snapshot = snapshot.extend_json(ids, times, texts)
    return snapshot


def snapshot(survey: Survey) -> Snapshot:
    """The survey's complete responses as columns, brought up to date with only what is new.

    Kept on disk (Parquet in the data folder) and in this process's memory; any process can
    rebuild it from the database, so nothing another process needs lives only in memory."""
    form = survey.current_version.form
    with _LOCK:
        current = _SNAPSHOTS.get(survey.pk)
        if current is None or current.signature != Snapshot.empty(form).signature:
            current = Snapshot.load(_path(survey), form) or Snapshot.empty(form)
        complete = _complete(survey)
        if current.n:
            since = _newest(current) - LOOK_BACK
            fresh = complete.filter(completed_at__gte=since) | complete.filter(
                pk__gt=current.last_id
            )
            updated = _append(current, fresh.distinct())
        else:
            updated = _append(current, complete)
        if updated.n != complete.count():  # a response was deleted (erased on request)
            updated = _append(Snapshot.empty(form), complete)
        if updated is not current:
            _save(updated, _path(survey))
        _SNAPSHOTS[survey.pk] = updated
        _SNAPSHOTS.move_to_end(survey.pk)
        while len(_SNAPSHOTS) > 8:
            _SNAPSHOTS.popitem(last=False)
        return updated


def _newest(snap: Snapshot) -> dt.datetime:
    """When the latest completion the snapshot holds came in (UTC: Parquet gives it naive)."""
    newest = snap.frame.get_column(COMPLETED_AT).max()
    if not isinstance(newest, dt.datetime):
        raise TypeError(f"the snapshot's {COMPLETED_AT} holds {newest!r}, not a moment")
    return newest if newest.tzinfo is not None else newest.replace(tzinfo=dt.UTC)


def _save(snap: Snapshot, path: Path) -> None:
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    snap.save(temporary)
    temporary.replace(path)  # atomic: readers never see half a file


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


def findings(survey: Survey, view: View = View()) -> Findings:
    """The findings of the survey's complete responses, recomputed only when answers arrived."""
    snap = snapshot(survey)
    form = snap.form
    frame = snap.frame
    if view.segment:
        question, choice = view.segment
        if question not in frame.columns:
            raise ResultsError(ResultsCode.BAD_SEGMENT, f"no question '{question}'")
        asked = form.question(question)
        if asked is not None and asked.choices and asked.choice(choice) is None:
            raise ResultsError(ResultsCode.BAD_SEGMENT, f"'{question}' has no choice '{choice}'")
        frame = frame.filter(pl.col(question) == choice)
    key = (survey.pk, snap.n, snap.last_id, view, survey.closes_at)
    with _LOCK:
        if key in _FINDINGS:
            return _FINDINGS[key]
    size = panel_size(survey) if view.segment is None else None
    margins = panel_margins(survey, frame) if view.weighted else None
    analysis = _analysis((survey.pk, snap.signature, view, tuple(margins or ())), form, frame)
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


def _analysis(key: tuple[Any, ...], form: Form, frame: pl.DataFrame) -> Analysis:
    """The analysis of `frame`, updated with only the rows appended since the last call (the
    snapshot grows by appending); built anew when the frame no longer starts with those rows."""
    ids = frame.get_column(ID)
    with _LOCK:
        held = _ANALYSES.get(key)
        if held is not None:
            analysis, seen, checksum = held
            if seen > frame.height or int(ids.head(seen).sum() or 0) != checksum:
                held = None
        if held is None:
            analysis, seen = Analysis(form, margins=key[-1]), 0
        analysis.update(frame.slice(seen))
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
    counts = Counter(
        Response.objects.filter(survey=survey, status=Response.Status.PARTIAL).values_list(
            "page", flat=True
        )
    )
    lang = form.default_language
    return [
        (i, page.title.get(lang) or page.name, counts.get(i, 0))
        for i, page in enumerate(form.pages)
    ]


def median_duration(survey: Survey) -> dt.timedelta | None:
    """How long a respondent took, from the first page to the last, at the median of complete
    responses; None in an anonymous survey (its times are of the day only) or before any.
    Read as two columns of timestamps: a few seconds' work even at a million responses."""
    if survey.anonymous:
        return None
    pairs = _complete(survey).exclude(completed_at=None).values_list("started_at", "completed_at")
    spans = sorted((end - start).total_seconds() for start, end in pairs.iterator())
    if not spans:
        return None
    middle = len(spans) // 2
    median = spans[middle] if len(spans) % 2 else (spans[middle - 1] + spans[middle]) / 2
    return dt.timedelta(seconds=round(median))


def responses_by_day(survey: Survey) -> list[tuple[dt.date, int]]:
    days = Counter(
        timezone.localtime(d).date()
        for d in _complete(survey).exclude(completed_at=None).values_list("completed_at", flat=True)
    )
    return sorted(days.items())


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

    snap = snapshot(survey)
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
