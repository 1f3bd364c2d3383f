"""From stored responses to findings: the columnar snapshot kept up to date incrementally, the
panel's composition as weighting margins, and the findings the dashboard, the report, the
newsletter and the API show."""

from __future__ import annotations

import datetime as dt
import io
import os
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from indagine.analysis.compute import Analysis, default_profile
from indagine.analysis.findings import Findings
from indagine.analysis.frame import (  # _raw_schema and _shape: see _chunk
    COMPLETED_AT,
    ID,
    Snapshot,
    _raw_schema,
    _shape,
    form_signature,
)
from indagine.collect.models import Response
from indagine.forms.model import Form, QuestionType
from indagine.results import stored
from indagine.results.codes import ResultsCode, ResultsError
from indagine.surveys.models import Survey

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The completion time a complete response without one is given in the snapshot."""
SECONDS = "_seconds"
"""Seconds from the first page to the last, kept beside the snapshot (Parquet included)."""
CHUNKS = 64
"""Appended chunks merged into one beyond this many (the analysis does the same)."""
MERGED = 100_000
"""Rows of the chunks a snapshot built from the database is made of."""

_LOCK = threading.Lock()
_FINDINGS: OrderedDict[tuple[Any, ...], Findings] = OrderedDict()
# Per (survey, form version, view, margin questions): the analysis of the rows seen so far, with
# how many rows that is and the sum of their ids (a rebuilt snapshot no longer starts with them).
_ANALYSES: OrderedDict[tuple[Any, ...], tuple[Analysis, int, int]] = OrderedDict()
_DERIVED: OrderedDict[tuple[Any, ...], Any] = OrderedDict()


@dataclass(frozen=True, eq=False)
class Held:
    """A survey's snapshot as this process holds it, with what tells it apart from the
    database cheaply: the mark of its ids, the ids sorted (for set differences), the seconds
    each response took (row by row), where its last appended chunks start, and how many rows
    the Parquet on disk was written with (-1: none)."""

    snapshot: Snapshot
    mark: stored.Mark
    ids: stored.IdArray
    seconds: pl.Series
    settled: int
    saved: int


_HELD: OrderedDict[tuple[int, bool], Held] = OrderedDict()  # by (survey, with tests)
_LOOKS = threading.local()


@contextmanager
def one_look() -> Iterator[None]:
    """Within this block, the database is looked at once per survey: a dashboard asks for the
    snapshot several times (findings, days, durations, a crosstab) for one page. Outside one,
    every call looks."""
    outer = getattr(_LOOKS, "held", None)
    _LOOKS.held = {} if outer is None else outer
    try:
        yield
    finally:
        _LOOKS.held = outer


def _path(survey: Survey, tests: bool = False) -> Path:
    folder = Path(settings.DATA_DIR) / "snapshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"survey-{survey.pk}{'-with-tests' if tests else ''}.parquet"


def _complete(survey: Survey):
    """The survey's complete responses that count: test responses never reach the report."""
    return Response.objects.filter(survey=survey, status=Response.Status.COMPLETE, test=False)


def snapshot(survey: Survey, tests: bool = False) -> Snapshot:
    """The survey's complete responses as columns, brought up to date with only what changed;
    test responses only with `tests` (the organiser's dashboard, when asked).

    Kept on disk (Parquet in the data folder) and in this process's memory; any process can
    rebuild it from the database, so nothing another process needs lives only in memory."""
    return _held(survey, tests).snapshot


def _held(survey: Survey, tests: bool = False) -> Held:
    """The held snapshot, checked against the database by one aggregate (`stored.mark`); when
    the marks differ, the ids are compared and only the rows not held are read."""
    looked = getattr(_LOOKS, "held", None)
    key = (survey.pk, tests)
    with _LOCK:
        held = _HELD.get(key)
        if looked is not None and held is not None and looked.get(key) is held:
            return held  # looked at already in this block (and its form checked then)
        form = survey.current_version.form
        if held is None or held.snapshot.signature != form_signature(form):
            held = _load(survey, form, tests)
        target = stored.mark(survey.pk, tests)
        if target != held.mark:
            held = _refresh(survey, held, tests)
        _HELD[key] = held
        _HELD.move_to_end(key)
        while len(_HELD) > 8:
            _HELD.popitem(last=False)
        if looked is not None:
            looked[key] = held
        return held


def forget() -> None:
    """Drop every snapshot and figure this process holds, and the Parquet files: after the
    database was replaced (a restore), whose ids may be those of other responses."""
    with _LOCK:
        for cache in (_HELD, _FINDINGS, _ANALYSES, _DERIVED):
            cache.clear()
        for file in (Path(settings.DATA_DIR) / "snapshots").glob("survey-*.parquet"):  # both
            file.unlink(missing_ok=True)


def _load(survey: Survey, form: Form, tests: bool = False) -> Held:
    """What the Parquet on disk holds (its own form version's only, with the seconds beside
    it), or nothing."""
    loaded = Snapshot.load(_path(survey, tests), form)
    if loaded is None or SECONDS not in loaded.frame.columns:
        return _nothing(form)
    frame = loaded.frame
    seconds = frame.get_column(SECONDS)
    frame = _compact(form, frame.drop(SECONDS))
    ids = np.sort(frame.get_column(ID).to_numpy())
    snap = Snapshot(form, frame, loaded.signature)
    return Held(snap, stored.Mark.of(ids), ids, seconds, frame.height, frame.height)


def _nothing(form: Form, saved: int = -1) -> Held:
    empty = _compact(form, Snapshot.empty(form).frame)
    ids = np.zeros(0, dtype=np.int64)
    seconds = pl.Series(SECONDS, [], dtype=pl.Float64)
    snap = Snapshot(form, empty, form_signature(form))
    return Held(snap, stored.Mark.of(ids), ids, seconds, 0, saved)


def _refresh(survey: Survey, held: Held, tests: bool = False) -> Held:
    """The held snapshot with the responses completed since; built anew from the database
    when one it holds was deleted (erased on request: rare), and then saved at once, so
    that the erased answers leave the disk too."""
    form, path = held.snapshot.form, _path(survey, tests)
    if held.snapshot.n == 0:
        return _save(_append(held, stored.every_batch(survey.pk, tests)), path)
    now = stored.complete_ids(survey.pk, tests)
    if not np.isin(held.ids, now, assume_unique=True).all():
        rebuilt = _append(_nothing(form, held.saved), stored.every_batch(survey.pk, tests))
        return _save(rebuilt, path)
    fresh = np.setdiff1d(now, held.ids, assume_unique=True)
    updated = _append(held, stored.batches_of(survey.pk, fresh, tests))
    grown = updated.snapshot.n - max(updated.saved, 0)
    if updated.saved < 0 or grown >= max(1_000, updated.saved // 10):
        return _save(updated, path)
    return updated


def _append(held: Held, batches: Iterator[stored.Batch]) -> Held:
    """The held snapshot with the rows of `batches` appended, decoded a batch at a time and
    merged into chunks of about MERGED rows as they come (few chunks, no final copy)."""
    form = held.snapshot.form
    parts = [held.snapshot.frame] if held.snapshot.n else []
    seconds = [held.seconds] if held.snapshot.n else []
    ids, pending = [held.ids], []
    for batch in batches:
        pending.append(_chunk(form, batch))
        seconds.append(batch.seconds.alias(SECONDS))
        ids.append(np.asarray(batch.ids, dtype=np.int64))
        if sum(p.height for p in pending) >= MERGED:
            parts.append(pl.concat(_conform(pending)).rechunk())
            pending = []
    if len(ids) == 1:
        return held
    frame = pl.concat(_conform([*parts, *pending]), how="vertical", rechunk=False)
    settled = held.settled if held.snapshot.n else frame.height
    if frame.n_chunks() > CHUNKS:  # many small appends: the part after `settled`, merged
        frame = pl.concat([frame.head(settled), frame.slice(settled).rechunk()], rechunk=False)
        settled = frame.height if frame.height - settled >= settled else settled
    every = np.sort(np.concatenate(ids))
    snap = Snapshot(form, frame, held.snapshot.signature)
    return Held(snap, stored.Mark.of(every), every, pl.concat(seconds), settled, held.saved)


def _chunk(form: Form, batch: stored.Batch) -> pl.DataFrame:
    """A batch as the snapshot's columns: the JSON lines decoded by polars with the raw types
    of the form's questions, then shaped as `analysis.frame.frame_from_json` shapes them. Its
    two steps are called here on the lines the database joined: `frame_from_json` takes a
    Python string a response and Python datetimes, which a million rows would have to be made
    into (15% more CPU for the whole build)."""
    raw = pl.read_ndjson(io.BytesIO(batch.lines), schema=_raw_schema(form))
    if raw.height != batch.ids.size:  # a stored answer that is not one line of JSON
        raise ValueError(f"{batch.ids.size} responses but {raw.height} lines of answers")
    ids = pl.Series(ID, batch.ids, dtype=pl.Int64)
    shaped = _shape(form, raw.with_columns(ids, batch.completed_at.fill_null(EPOCH)))
    return _compact(form, shaped)


def _compact(form: Form, frame: pl.DataFrame) -> pl.DataFrame:
    """Single choices as an Enum of the question's choices: one byte a row instead of a
    sixteen-byte string view (a third of the frame at a million rows of the built-in survey).
    The analysis reads them through casts to String (`analysis.columns`). A column holding a
    name the form no longer offers (an answer to an older version) stays as it was."""
    casts = []
    for question in form.questions():
        if question.type is not QuestionType.SELECT_ONE or question.name not in frame.columns:
            continue
        enum = pl.Enum([c.name for c in question.choices])
        column = frame.get_column(question.name)
        if column.dtype == enum:
            continue
        coded = column.cast(pl.String).cast(enum, strict=False)
        if coded.null_count() == column.null_count():
            casts.append(coded)
    return frame.with_columns(casts)


def _conform(frames: list[pl.DataFrame]) -> list[pl.DataFrame]:
    """A calculation can be numbers in one chunk and texts in another: both become texts
    (as `analysis.frame` aligns them); so does a single choice held as Enum in one chunk and
    as String in another."""
    schemas = [f.schema for f in frames]
    differ = sorted({c for s in schemas[1:] for c, t in s.items() if t != schemas[0][c]})
    if not differ:
        return frames
    return [f.with_columns(pl.col(c).cast(pl.String) for c in differ) for f in frames]


def _save(held: Held, path: Path) -> Held:
    """Write the held snapshot (with its seconds) as Parquet, in the order of ids: the order
    rows were appended in would tell when anonymous responses arrived, which their random ids
    and day-stamped times do not. Read in that order, a snapshot built anew needs no sort."""
    frame = held.snapshot.frame.with_columns(held.seconds.alias(SECONDS))
    if not frame.get_column(ID).is_sorted():
        frame = frame.sort(ID)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    _write(Snapshot(held.snapshot.form, frame, held.snapshot.signature), temporary)
    temporary.replace(path)  # atomic: readers never see half a file
    return replace(held, saved=held.snapshot.n)


def _write(snap: Snapshot, path: Path) -> None:
    """What `Snapshot.save` writes, MERGED rows at a time: it converts the whole frame to Arrow
    first, its string views into large strings (230 MB more at a million rows), where a slice
    at a time costs 25 MB. The file's metadata is the one `Snapshot.save` writes, taken from
    an empty snapshot of the same form, so that `Snapshot.load` reads the file as its own."""
    probe = path.with_suffix(".probe")
    empty = snap.frame.clear()
    Snapshot(snap.form, empty, snap.signature).save(probe)
    schema = empty.to_arrow().schema.with_metadata(pq.read_schema(probe).metadata)
    probe.unlink()
    with pq.ParquetWriter(str(path), schema) as writer:
        for part in snap.frame.iter_slices(MERGED):
            writer.write_table(part.to_arrow())


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
    held = _held(survey, view.tests)
    snap = held.snapshot
    form = snap.form
    frame = snap.frame
    if view.segment:
        question, choice = view.segment
        if question not in frame.columns:
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
    held = _held(survey, tests)
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
    held = _held(survey, tests)
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
    held = _held(survey, tests)
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
