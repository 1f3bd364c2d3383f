"""A survey's snapshot (``analysis.frame``) kept up to date with its complete responses: held in
this process's memory and as Parquet in the data folder, checked against the database by one
aggregate, grown by the responses it does not hold, rebuilt when one it holds was deleted.

A form with repeats has its instances held beside its rows, grown and saved with them (their
own Parquet file, paired with the rows' file); a form without repeats takes the path it always
took, with no per-row work added.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections import OrderedDict, deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings

from indagine.analysis.frame import (  # _raw_schema and _shape: see _chunk
    ID,
    Snapshot,
    _raw_schema,
    _shape,
    analysed,
    form_signature,
    instances_of,
    instances_path,
)
from indagine.forms.model import Form, QuestionType
from indagine.results import stored
from indagine.surveys.models import Survey

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
"""The completion time a complete response without one is given in the snapshot."""
SECONDS = "_seconds"
"""Seconds from the first page to the last, kept beside the snapshot (Parquet included)."""
CHUNKS = 64
"""Appended chunks merged into one beyond this many (the analysis does the same)."""
MERGED = 100_000
"""Rows of the chunks a snapshot built from the database is made of."""
GROWN = 1_000
"""Rows appended since the Parquet was written that make it written again (or a tenth of the
rows it holds, when that is more)."""

_LOCK = threading.Lock()


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


def _folder() -> Path:
    return Path(settings.DATA_DIR) / "snapshots"


def _path(survey: Survey, tests: bool = False) -> Path:
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"survey-{survey.pk}{'-with-tests' if tests else ''}.parquet"


def snapshot(survey: Survey, tests: bool = False) -> Snapshot:
    """The survey's complete responses as columns, brought up to date with only what changed;
    test responses only with `tests` (the organiser's dashboard, when asked).

    Kept on disk (Parquet in the data folder) and in this process's memory; any process can
    rebuild it from the database, so nothing another process needs lives only in memory."""
    return held_for(survey, tests).snapshot


def held_for(survey: Survey, tests: bool = False) -> Held:
    """The held snapshot, checked against the database by one read of the complete ids
    (`stored.complete_ids`); when they differ from those held, only the rows not held are
    read."""
    looked = getattr(_LOOKS, "held", None)
    key = (survey.pk, tests)
    with _LOCK:
        kept = _HELD.get(key)
        if looked is not None and kept is not None and looked.get(key) is kept:
            return kept  # looked at already in this block (and its form checked then)
        form = survey.current_version.form
        if kept is None or kept.snapshot.signature != form_signature(form):
            kept = _load(survey, form, tests)
        now = stored.complete_ids(survey.pk, tests)
        if stored.Mark.of(now) != kept.mark:
            kept = _refresh(survey, kept, now, tests)
        _HELD[key] = kept
        _HELD.move_to_end(key)
        while len(_HELD) > 8:
            _HELD.popitem(last=False)
        if looked is not None:
            looked[key] = kept
        return kept


def forget() -> None:
    """Drop every snapshot this process holds, and the Parquet files (the rows' and the
    instances'): after the database was replaced (a restore), whose ids may be those of other
    responses."""
    with _LOCK:
        _HELD.clear()
        for file in _folder().glob("survey-*.parquet"):  # both, with their instances
            file.unlink(missing_ok=True)


def _load(survey: Survey, form: Form, tests: bool = False) -> Held:
    """What the Parquet on disk holds (its own form version's only, with the seconds beside
    it), or nothing."""
    path = _path(survey, tests)
    loaded = Snapshot.load(path, form)
    if loaded is None or SECONDS not in loaded.frame.columns:
        # another form version's file (or layout's), never read again: off the disk now, with
        # the rows it holds, some of them perhaps erased since (nothing new might save over it)
        path.unlink(missing_ok=True)
        instances_path(path).unlink(missing_ok=True)
        return _nothing(form)
    frame = loaded.frame
    seconds = frame.get_column(SECONDS)
    frame = _compact(form, frame.drop(SECONDS))
    ids = np.sort(frame.get_column(ID).to_numpy())
    snap = Snapshot(form, frame, loaded.signature, _compact(form, loaded.instances))
    return Held(snap, stored.Mark.of(ids), ids, seconds, frame.height, frame.height)


def _nothing(form: Form, saved: int = -1) -> Held:
    empty = Snapshot.empty(form)
    ids = np.zeros(0, dtype=np.int64)
    seconds = pl.Series(SECONDS, [], dtype=pl.Float64)
    snap = Snapshot(form, _compact(form, empty.frame), empty.signature, empty.instances)
    return Held(snap, stored.Mark.of(ids), ids, seconds, 0, saved)


def _refresh(survey: Survey, kept: Held, now: stored.IdArray, tests: bool = False) -> Held:
    """The held snapshot with the responses completed since; built anew from the database
    when one it holds was deleted (erased on request: rare), and then saved at once, so
    that the erased answers leave the disk too. `now`: the complete ids, sorted."""
    form, path = kept.snapshot.form, _path(survey, tests)
    if kept.snapshot.n == 0:
        return _save(_append(kept, stored.every_batch(survey.pk, tests)), path)
    if not np.isin(kept.ids, now, assume_unique=True).all():
        rebuilt = _append(_nothing(form, kept.saved), stored.every_batch(survey.pk, tests))
        return _save(rebuilt, path)
    fresh = np.setdiff1d(now, kept.ids, assume_unique=True)
    updated = _append(kept, stored.batches_of(survey.pk, fresh, tests))
    grown = updated.snapshot.n - max(updated.saved, 0)
    if updated.saved < 0 or grown >= max(GROWN, updated.saved // 10):
        return _save(updated, path)
    return updated


def _append(kept: Held, batches: Iterator[stored.Batch]) -> Held:
    """The held snapshot with the rows of `batches` appended, decoded a batch at a time (beside
    the reading of the next) and merged into chunks of about MERGED rows as they come (few
    chunks, no final copy)."""
    old = kept.snapshot
    form = old.form
    parts = [old.frame] if old.n else []
    seconds = [kept.seconds] if old.n else []
    ids, pending, instances = [kept.ids], [], [old.instances]
    for batch, frame, repeated in _decoded(form, batches):
        pending.append(frame)
        if repeated is not None:
            instances.append(repeated)
        seconds.append(batch.seconds.alias(SECONDS))
        ids.append(np.asarray(batch.ids, dtype=np.int64))
        if sum(p.height for p in pending) >= MERGED:
            parts.append(pl.concat(_conform(pending)).rechunk())
            pending = []
    if len(ids) == 1:
        return kept
    frame = pl.concat(_conform([*parts, *pending]), how="vertical", rechunk=False)
    settled = kept.settled if old.n else frame.height
    if frame.n_chunks() > CHUNKS:  # many small appends: the part after `settled`, merged
        frame = pl.concat([frame.head(settled), frame.slice(settled).rechunk()], rechunk=False)
        settled = frame.height if frame.height - settled >= settled else settled
    every = np.sort(np.concatenate(ids))
    snap = Snapshot(form, frame, old.signature, _instances(instances))
    return Held(snap, stored.Mark.of(every), every, pl.concat(seconds), settled, kept.saved)


Decoded = tuple[stored.Batch, pl.DataFrame, pl.DataFrame | None]


def _decoded(form: Form, batches: Iterator[stored.Batch]) -> Iterator[Decoded]:
    """Each batch with its columns (`_chunk`), decoded in a thread of its own while this one
    reads the next batch from the database: the database's connection stays in the thread
    that opened it (and in a test's transaction), polars and SQLite both release the GIL, and
    at a million rows the reading (1.4 s) no longer adds to the decoding. One batch is decoded
    ahead at most, so memory holds two batches' text, not the survey's."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot") as pool:
        ahead: deque[tuple[stored.Batch, Future[tuple[pl.DataFrame, pl.DataFrame | None]]]]
        ahead = deque()
        for batch in batches:
            ahead.append((batch, pool.submit(_chunk, form, batch)))
            if len(ahead) > 1:
                done, work = ahead.popleft()
                yield (done, *work.result())
        while ahead:
            done, work = ahead.popleft()
            yield (done, *work.result())


def _instances(chunks: list[pl.DataFrame]) -> pl.DataFrame:
    """The instances held and those of the batches read, as one frame of few chunks."""
    if len(chunks) == 1:
        return chunks[0]
    joined = pl.concat(_conform(chunks), how="vertical", rechunk=False)
    return joined.rechunk() if joined.n_chunks() > CHUNKS else joined


def _chunk(form: Form, batch: stored.Batch) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """A batch as the snapshot's columns (and its instances, for a form with repeats): the JSON
    lines decoded by polars with the raw types of the form's questions, then shaped as
    `analysis.frame.frames_from_json` shapes them. Its steps are called here on the lines the
    database joined: `frames_from_json` takes a Python string a response and Python
    datetimes, which a million rows would have to be made into (15% more CPU for the build)."""
    raw = _decode(form, batch.lines)
    if raw.height != batch.ids.size:  # a stored answer that is not one line of JSON
        raise ValueError(f"{batch.ids.size} responses but {raw.height} lines of answers")
    ids = pl.Series(ID, batch.ids, dtype=pl.Int64)
    raw = raw.with_columns(ids, batch.completed_at.fill_null(EPOCH))
    shaped = _compact(form, _shape(form, raw))
    if not form.repeats():
        return shaped, None
    return shaped, _compact(form, instances_of(form, raw))


def _decode(form: Form, lines: bytes) -> pl.DataFrame:
    """JSON lines as raw columns, each single choice read straight into the Enum `_compact`
    gives it (at a million rows, 0.36 s of casts saved); the batch read again with texts when
    an answer names a choice the form no longer offers (an older version's)."""
    schema = _raw_schema(form)
    coded = dict(schema)
    for question in analysed(form):
        if question.type is QuestionType.SELECT_ONE:
            coded[question.name] = pl.Enum([c.name for c in question.choices])
    try:
        return pl.read_ndjson(io.BytesIO(lines), schema=coded)
    except pl.exceptions.ComputeError:
        return pl.read_ndjson(io.BytesIO(lines), schema=schema)


def _compact(form: Form, frame: pl.DataFrame) -> pl.DataFrame:
    """Single choices as an Enum of the question's choices: one byte a row instead of a
    sixteen-byte string view (a third of the frame at a million rows of the built-in survey).
    The analysis reads them through casts to String (`analysis.columns`). A column holding a
    name the form no longer offers (an answer to an older version) stays as it was. The same
    for the instances' columns of a repeat's single choices."""
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


def _save(kept: Held, path: Path) -> Held:
    """Write the held snapshot (with its seconds) as Parquet, in the order of ids: the order
    rows were appended in would tell when anonymous responses arrived, which their random ids
    and day-stamped times do not. Read in that order, a snapshot built anew needs no sort. The
    instances go in the order of their responses' ids likewise (each response's in its order).
    `Snapshot.save` writes MERGED rows at a time and moves each file into place whole."""
    old = kept.snapshot
    frame = old.frame.with_columns(kept.seconds.alias(SECONDS))
    if not frame.get_column(ID).is_sorted():
        frame = frame.sort(ID)
    instances = old.instances
    if not instances.get_column(ID).is_sorted():
        instances = instances.sort(ID, maintain_order=True)
    Snapshot(old.form, frame, old.signature, instances).save(path, rows=MERGED)
    return replace(kept, saved=old.n)
