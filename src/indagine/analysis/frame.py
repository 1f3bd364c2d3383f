"""A columnar snapshot of complete responses: polars frames, appended to as answers arrive.

`frame`, a row per response. Columns: `_id`, `_completed_at`, then per question asked once, in
form order: a single choice as String (the choice name), a multiple choice as one Boolean column
per choice named `"{question}/{choice}"` (null where the question has no answer), numbers as
Float64, dates as Date, texts as String, and a calculation as Float64 when every value is a
number, else String. Notes have no column. Then each repeat (`begin_repeat`) as the number of
its instances, under the repeat's name (UInt32; 0 when it applied and none was given, null when
it did not apply). A repeat's questions have no column here: one response gives them many times.

`instances`, a row per instance of a repeat: `_id` (its response's), `_repeat` (the repeat's
name), `_index` (its place among the response's instances, from 1), then every repeat's
questions shaped as above (null in the rows of another repeat). Rows come in the order of
their responses, then of the repeats in the form, then of `_index`.

Rows are parsed in bulk by polars (Series built from answer dicts, `read_ndjson` on stored JSON
text; instances by exploding each repeat's list of instances), never one value at a time in
Python; `extend` parses only the rows the snapshot does not hold and appends them as a chunk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from indagine.forms.model import Form, Question, QuestionType

Row = tuple[int, dt.datetime, Mapping[str, Any]]
JsonRow = tuple[int, dt.datetime, str]
ID = "_id"
COMPLETED_AT = "_completed_at"
REPEAT = "_repeat"
INDEX = "_index"
LAYOUT = "2"
"""Bumped when the columns this module writes change: older Parquet files are rebuilt.
2: repeats as counts, their instances in a second file."""
SLICE = 100_000
"""Rows in a row group of a saved frame."""
_ROW = "_row"
# The instances of a form without repeats: none (polars frames are values, safe to share).
_NO_INSTANCES = pl.DataFrame(schema={ID: pl.Int64, REPEAT: pl.String, INDEX: pl.Int64})
NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE)
_META_KEY = b"indagine.snapshot"
_TIME = pl.Datetime("us", "UTC")


def choice_column(question: str, choice: str) -> str:
    """The Boolean column of one choice of a multiple choice."""
    return f"{question}/{choice}"


def _kept(question: Question) -> bool:
    """Whether a question has a column: every one that takes input, calculations and hidden
    values (start, end and today are the response's times, not answers)."""
    return question.type is not QuestionType.NOTE and not question.type.is_metadata


def analysed(form: Form) -> tuple[Question, ...]:
    """The questions asked once that have columns in the snapshot's frame."""
    return tuple(q for q in form.questions() if not q.repeat and _kept(q))


def asked_in(form: Form, repeat: str) -> tuple[Question, ...]:
    """The questions of a repeat that have columns in the snapshot's instances."""
    return tuple(q for q in form.questions() if q.repeat == repeat and _kept(q))


def form_signature(form: Form) -> str:
    """A digest of the form and of this module's layout: a stale snapshot has another one."""
    text = json.dumps(form.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{LAYOUT}\n{text}".encode()).hexdigest()


def raw_type(question: Question) -> pl.DataType:
    """How a stored JSON value is read before it is shaped into columns (a new version that
    reads an answered question otherwise is refused: `surveys.services`)."""
    if question.type is QuestionType.SELECT_MULTIPLE:
        return pl.List(pl.String)
    if question.type in NUMBERS:
        return pl.Float64()
    return pl.String()


def _instances_type(form: Form, repeat: str) -> pl.DataType:
    """A repeat's stored value: a list of instances, each a dict of its questions' answers."""
    return pl.List(pl.Struct({q.name: raw_type(q) for q in asked_in(form, repeat)}))


def _raw_schema(form: Form) -> dict[str, pl.DataType]:
    schema = {q.name: raw_type(q) for q in analysed(form)}
    return schema | {name: _instances_type(form, name) for name in form.repeats()}


def _shape(form: Form, raw: pl.DataFrame) -> pl.DataFrame:
    """Raw decoded answers -> the snapshot's columns (choice columns, dates, calculations,
    the count of each repeat's instances)."""
    columns: list[pl.Expr] = [pl.col(ID).cast(pl.Int64), pl.col(COMPLETED_AT)]
    columns += _shaped(analysed(form), raw)
    columns += [pl.col(name).list.len().alias(name) for name in form.repeats()]
    return raw.select(columns)


def _shaped(questions: Sequence[Question], raw: pl.DataFrame) -> list[pl.Expr]:
    """The columns of `questions` from their raw decoded answers."""
    columns: list[pl.Expr] = []
    for q in questions:
        column = pl.col(q.name)
        if q.type is QuestionType.SELECT_MULTIPLE:
            columns += [_ticked(raw, q.name, c.name) for c in q.choices]
        elif q.type is QuestionType.DATE:
            columns.append(column.str.to_date("%Y-%m-%d", strict=False))
        elif q.type is QuestionType.CALCULATE:
            numbers = raw.get_column(q.name).cast(pl.Float64, strict=False)
            texts = raw.get_column(q.name)
            numeric = bool((numbers.is_null() == texts.is_null()).all())
            columns.append(column.cast(pl.Float64, strict=False) if numeric else column)
        else:
            columns.append(column)
    return columns


def _ticked(raw: pl.DataFrame, question: str, choice: str) -> pl.Expr:
    """Whether `choice` is among the question's answers: from a list, or from names joined by
    spaces (choice names have none)."""
    column = pl.col(question)
    if isinstance(raw.schema[question], pl.List):
        found = column.list.contains(pl.lit(choice))
    else:
        found = column.str.contains(f"(?:^| ){re.escape(choice)}(?: |$)")
    return found.alias(choice_column(question, choice))


def _times(values: Sequence[dt.datetime]) -> pl.Series:
    """Completion times in UTC (naive ones are taken to be UTC already, as Django stores them)."""
    if values and values[0].tzinfo is not None:  # aware: polars converts them one by one, slowly
        stamps = np.array([t.timestamp() for t in values]) * 1e6
        micros = pl.Series(COMPLETED_AT, np.round(stamps).astype(np.int64))
        return micros.cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    series = pl.Series(COMPLETED_AT, values, dtype=pl.Datetime("us"))
    return series.dt.replace_time_zone("UTC")


def _column(question: Question, values: list[Any]) -> pl.Series:
    """One question's stored values as a raw column (a multiple choice as joined names)."""
    if question.type is QuestionType.SELECT_MULTIPLE:
        joined = [" ".join(v) if isinstance(v, list) else v for v in values]
        return pl.Series(question.name, joined, dtype=pl.String, strict=False)
    if question.type is QuestionType.CALCULATE:
        if any(isinstance(v, str | bool) for v in values):
            values = [None if v is None else str(v) for v in values]
        else:
            return pl.Series(question.name, values, dtype=pl.Float64, strict=False)
    return pl.Series(question.name, values, dtype=raw_type(question), strict=False)


def _raw_empty(form: Form) -> pl.DataFrame:
    return pl.DataFrame(schema={ID: pl.Int64, COMPLETED_AT: _TIME, **_raw_schema(form)})


def _empty(form: Form) -> pl.DataFrame:
    return _shape(form, _raw_empty(form))


def _raw_rows(form: Form, rows: Iterable[Row]) -> pl.DataFrame | None:
    """Rows (id, completed_at, answers dict) as raw columns, None when there are none."""
    materialised = list(rows)
    if not materialised:
        return None
    ids, times, answers = zip(*materialised, strict=True)
    columns = [pl.Series(ID, ids, dtype=pl.Int64), _times(times)]
    for q in analysed(form):
        name = q.name
        columns.append(_column(q, [a.get(name) for a in answers]))
    for name in form.repeats():  # lists of dicts, converted by polars in one call
        kind = _instances_type(form, name)
        columns.append(pl.Series(name, [a.get(name) for a in answers], dtype=kind, strict=False))
    return pl.DataFrame(columns)


def _raw_json(
    form: Form, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
) -> pl.DataFrame | None:
    """Answers stored as JSON text as raw columns, decoded by polars (no json.loads)."""
    if not ids:
        return None
    lines = "\n".join(answers).encode()  # JSON text never holds a raw newline
    decoded = pl.read_ndjson(io.BytesIO(lines), schema=_raw_schema(form))
    return decoded.with_columns(pl.Series(ID, ids, dtype=pl.Int64), _times(completed_at))


def frame_from_rows(form: Form, rows: Iterable[Row]) -> pl.DataFrame:
    """The snapshot columns of rows (id, completed_at, answers dict), parsed in one pass."""
    raw = _raw_rows(form, rows)
    return _empty(form) if raw is None else _shape(form, raw)


def frame_from_json(
    form: Form, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
) -> pl.DataFrame:
    """The snapshot columns of answers stored as JSON text, decoded by polars (no json.loads)."""
    raw = _raw_json(form, ids, completed_at, answers)
    return _empty(form) if raw is None else _shape(form, raw)


def instances_of(form: Form, raw: pl.DataFrame) -> pl.DataFrame:
    """The instances of every repeat of `form` in raw decoded answers (with their ids), a row
    each (see the module's docstring): each repeat's lists exploded and unnested by polars."""
    repeats = list(form.repeats())
    if not repeats:
        return _NO_INSTANCES
    rows = raw.select(pl.col(ID).cast(pl.Int64), *repeats).with_row_index(_ROW)
    parts = []
    for name in repeats:
        lists = rows.select(_ROW, ID, name).filter(pl.col(name).list.len() > 0)
        places = pl.int_ranges(1, pl.col(name).list.len() + 1, dtype=pl.Int64).alias(INDEX)
        exploded = lists.with_columns(places).explode(name, INDEX).unnest(name)
        head = [pl.col(_ROW), pl.col(ID), pl.lit(name, pl.String).alias(REPEAT), pl.col(INDEX)]
        parts.append(exploded.select(*head, *_shaped(asked_in(form, name), exploded)))
    # In the order of the responses (then of the repeats, then of the places): the instances of
    # rows taken in one go or in several chunks come out the same.
    joined = pl.concat(parts, how="diagonal").sort(_ROW, maintain_order=True)
    return joined.drop(_ROW)


def empty_instances(form: Form) -> pl.DataFrame:
    return instances_of(form, _raw_empty(form)) if form.repeats() else _NO_INSTANCES


def frames_from_rows(form: Form, rows: Iterable[Row]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The snapshot's frame and instances of rows (id, completed_at, answers dict)."""
    raw = _raw_rows(form, rows)
    if raw is None:
        return _empty(form), empty_instances(form)
    return _shape(form, raw), instances_of(form, raw)


def frames_from_json(
    form: Form, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The snapshot's frame and instances of answers stored as JSON text."""
    raw = _raw_json(form, ids, completed_at, answers)
    if raw is None:
        return _empty(form), empty_instances(form)
    return _shape(form, raw), instances_of(form, raw)


def _align(old: pl.DataFrame, new: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Calculations can be numbers in one chunk and texts in the next: both become texts."""
    differ = [c for c in old.columns if old.schema[c] != new.schema[c]]
    if not differ:
        return old, new
    cast = [pl.col(c).cast(pl.String) for c in differ]
    return old.with_columns(cast), new.with_columns(cast)


def stack(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """`new` appended to `old` as a chunk, their columns aligned; one contiguous copy now and
    then, when many small appends have made too many chunks."""
    if new.height == 0:
        return old
    if old.height == 0:
        return new
    first, second = _align(old, new)
    frame = pl.concat([first, second], how="vertical", rechunk=False)
    return frame.rechunk() if frame.n_chunks() > 64 else frame


def instances_path(path: Path) -> Path:
    """Where the instances of the snapshot saved at `path` are saved: beside it."""
    return path.with_name(f"{path.stem}.instances{path.suffix}")


def _write(frame: pl.DataFrame, path: Path, meta: dict[bytes, bytes], rows: int) -> None:
    """`frame` as Parquet with `meta` in its metadata, in row groups of `rows`, written by
    polars itself (its columns compressed in parallel, its string views written as they are:
    through pyarrow they became large strings in Arrow first, three times as slow at a million
    rows), aside and moved into place, so that readers never see half a file."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    metadata = {key.decode(): value.decode() for key, value in meta.items()}
    frame.write_parquet(temporary, row_group_size=rows, metadata=metadata)
    temporary.replace(path)


def _recorded(file: Path) -> dict[str, Any] | None:
    """The snapshot's record in a Parquet file's metadata, None when it has none."""
    meta = pq.read_metadata(str(file)).metadata or {}  # the file's key-value metadata
    try:
        record = json.loads(meta[_META_KEY])
    except (KeyError, ValueError, TypeError):
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Complete responses of one form version as columns, in the order they were taken in,
    and the instances of its repeats (for a form without repeats: none, three columns)."""

    form: Form
    frame: pl.DataFrame
    signature: str
    instances: pl.DataFrame = field(default_factory=pl.DataFrame)

    def __post_init__(self) -> None:
        if not self.instances.columns:  # not given: the form's empty instances
            object.__setattr__(self, "instances", empty_instances(self.form))

    @classmethod
    def build(cls, form: Form, rows: Iterable[Row]) -> Snapshot:
        """A snapshot of rows (id, completed_at, answers dict)."""
        frame, instances = frames_from_rows(form, rows)
        return cls(form, frame, form_signature(form), instances)

    @classmethod
    def empty(cls, form: Form) -> Snapshot:
        return cls(form, _empty(form), form_signature(form))

    @property
    def last_id(self) -> int:
        """The highest response id in the snapshot (0 when empty)."""
        if self.frame.height == 0:
            return 0
        return int(self.frame.get_column(ID).max())  # type: ignore[arg-type]

    @property
    def n(self) -> int:
        return self.frame.height

    def extend(self, rows: Iterable[Row]) -> Snapshot:
        """A snapshot with the rows it does not hold yet appended (`new_rows`)."""
        return self._append(*frames_from_rows(self.form, rows))

    def extend_json(
        self, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
    ) -> Snapshot:
        """As `extend`, for answers stored as JSON text."""
        return self._append(*frames_from_json(self.form, ids, completed_at, answers))

    def new_rows(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """The rule for which rows are new, the one production, tests and benchmarks run: those
        whose id the snapshot does not hold. Not 'above the last id': a response started early
        and completed late has a lower id than responses completed before it, and a look back
        over recent completions brings rows the snapshot holds already."""
        if self.n == 0 or chunk.height == 0:
            return chunk
        return chunk.filter(~pl.col(ID).is_in(self.frame.get_column(ID).implode()))

    def _append(self, chunk: pl.DataFrame, instances: pl.DataFrame) -> Snapshot:
        fresh = self.new_rows(chunk)
        if fresh.height == 0:
            return self
        if fresh.height < chunk.height and instances.height:
            instances = instances.filter(pl.col(ID).is_in(fresh.get_column(ID).implode()))
        frame = stack(self.frame, fresh)
        return Snapshot(self.form, frame, self.signature, stack(self.instances, instances))

    def metadata(self, pairing: str = "") -> dict[bytes, bytes]:
        """The Parquet metadata that tells the saved files of this snapshot as its own: the
        form's signature, and what pairs the frame's file with its instances' file."""
        record = {"signature": self.signature, "form_id": self.form.form_id, "layout": LAYOUT}
        return {_META_KEY: json.dumps({**record, "pairing": pairing}).encode()}

    def save(self, path: str | Path, *, rows: int = SLICE) -> None:
        """Write the snapshot as Parquet, with the form's signature in the file's metadata; the
        instances of a form with repeats in a second file beside it (`instances_path`), written
        first: both carry the same random pairing, so that a file left from an earlier save
        (a crash between the two) is not read with the other."""
        file = Path(path)
        pairing = secrets.token_hex(8) if self.form.repeats() else ""
        if pairing:
            _write(self.instances, instances_path(file), self.metadata(pairing), rows)
        _write(self.frame, file, self.metadata(pairing), rows)

    @classmethod
    def load(cls, path: str | Path, form: Form) -> Snapshot | None:
        """The saved snapshot of `form`, or None when missing or made for another form version
        or layout, or its instances' file does not pair with it (the caller rebuilds it from
        the database)."""
        file = Path(path)
        if not file.exists():
            return None
        record = _recorded(file)
        signature = form_signature(form)
        if record is None or record.get("signature") != signature:
            return None
        if not form.repeats():
            return cls(form, pl.read_parquet(file), signature)
        beside = instances_path(file)
        other = _recorded(beside) if beside.exists() else None
        if other is None or other.get("pairing") != record.get("pairing") or not other["pairing"]:
            return None
        return cls(form, pl.read_parquet(file), signature, pl.read_parquet(beside))
