"""A columnar snapshot of complete responses: one polars frame, appended to as answers arrive.

Columns: `_id`, `_completed_at`, then per question in form order: a single choice as String (the
choice name), a multiple choice as one Boolean column per choice named `"{question}/{choice}"`
(null where the question has no answer), numbers as Float64, dates as Date, texts as String, and
a calculation as Float64 when every value is a number, else String. Notes have no column.

Rows are parsed in bulk by polars (`from_dicts` on answer dicts, `json_decode` on stored JSON
text), never one value at a time in Python; `extend` parses only the rows with an id above
`last_id` and appends them as a new chunk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
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
LAYOUT = "1"
"""Bumped when the columns this module writes change: older Parquet files are rebuilt."""
_NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE)
_META_KEY = b"indagine.snapshot"
_TIME = pl.Datetime("us", "UTC")


def choice_column(question: str, choice: str) -> str:
    """The Boolean column of one choice of a multiple choice."""
    return f"{question}/{choice}"


def analysed(form: Form) -> tuple[Question, ...]:
    """The questions that have columns: every one that takes input, calculations and hidden
    values (start, end and today are the response's times, not answers)."""
    return tuple(
        q for q in form.questions() if q.type is not QuestionType.NOTE and not q.type.is_metadata
    )


def form_signature(form: Form) -> str:
    """A digest of the form and of this module's layout: a stale snapshot has another one."""
    text = json.dumps(form.to_json(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(f"{LAYOUT}\n{text}".encode()).hexdigest()


def _raw_type(question: Question) -> pl.DataType:
    """How a stored JSON value is read before it is shaped into columns."""
    if question.type is QuestionType.SELECT_MULTIPLE:
        return pl.List(pl.String)
    if question.type in _NUMBERS:
        return pl.Float64()
    return pl.String()


def _raw_schema(form: Form) -> dict[str, pl.DataType]:
    return {q.name: _raw_type(q) for q in analysed(form)}


def _shape(form: Form, raw: pl.DataFrame) -> pl.DataFrame:
    """Raw decoded answers -> the snapshot's columns (choice columns, dates, calculations)."""
    columns: list[pl.Expr] = [pl.col(ID).cast(pl.Int64), pl.col(COMPLETED_AT)]
    for q in analysed(form):
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
    return raw.select(columns)


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
    return pl.Series(question.name, values, dtype=_raw_type(question), strict=False)


def _empty(form: Form) -> pl.DataFrame:
    raw = pl.DataFrame(schema={ID: pl.Int64, COMPLETED_AT: _TIME, **_raw_schema(form)})
    return _shape(form, raw)


def frame_from_rows(form: Form, rows: Iterable[Row]) -> pl.DataFrame:
    """The snapshot columns of rows (id, completed_at, answers dict), parsed in one pass."""
    materialised = list(rows)
    if not materialised:
        return _empty(form)
    ids, times, answers = zip(*materialised, strict=True)
    columns = [pl.Series(ID, ids, dtype=pl.Int64), _times(times)]
    for q in analysed(form):
        name = q.name
        columns.append(_column(q, [a.get(name) for a in answers]))
    return _shape(form, pl.DataFrame(columns))


def frame_from_json(
    form: Form, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
) -> pl.DataFrame:
    """The snapshot columns of answers stored as JSON text, decoded by polars (no json.loads)."""
    if not ids:
        return _empty(form)
    lines = "\n".join(answers).encode()  # JSON text never holds a raw newline
    decoded = pl.read_ndjson(io.BytesIO(lines), schema=_raw_schema(form))
    raw = decoded.with_columns(pl.Series(ID, ids, dtype=pl.Int64), _times(completed_at))
    return _shape(form, raw)


def _align(old: pl.DataFrame, new: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Calculations can be numbers in one chunk and texts in the next: both become texts."""
    differ = [c for c in old.columns if old.schema[c] != new.schema[c]]
    if not differ:
        return old, new
    cast = [pl.col(c).cast(pl.String) for c in differ]
    return old.with_columns(cast), new.with_columns(cast)


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Complete responses of one form version as columns, in the order they were taken in."""

    form: Form
    frame: pl.DataFrame
    signature: str

    @classmethod
    def build(cls, form: Form, rows: Iterable[Row]) -> Snapshot:
        """A snapshot of rows (id, completed_at, answers dict)."""
        return cls(form, frame_from_rows(form, rows), form_signature(form))

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
        return self._append(self.new_rows(frame_from_rows(self.form, rows)))

    def extend_json(
        self, ids: Sequence[int], completed_at: Sequence[dt.datetime], answers: Sequence[str]
    ) -> Snapshot:
        """As `extend`, for answers stored as JSON text."""
        return self._append(self.new_rows(frame_from_json(self.form, ids, completed_at, answers)))

    def new_rows(self, chunk: pl.DataFrame) -> pl.DataFrame:
        """The rule for which rows are new, the one production, tests and benchmarks run: those
        whose id the snapshot does not hold. Not 'above the last id': a response started early
        and completed late has a lower id than responses completed before it, and a look back
        over recent completions brings rows the snapshot holds already."""
        if self.n == 0 or chunk.height == 0:
            return chunk
        return chunk.filter(~pl.col(ID).is_in(self.frame.get_column(ID).implode()))

    def _append(self, chunk: pl.DataFrame) -> Snapshot:
        if chunk.height == 0:
            return self
        old, new = _align(self.frame, chunk)
        frame = pl.concat([old, new], how="vertical", rechunk=False)
        if frame.n_chunks() > 64:  # many small appends: one contiguous copy now and then
            frame = frame.rechunk()
        return Snapshot(self.form, frame, self.signature)

    def save(self, path: str | Path) -> None:
        """Write the snapshot as Parquet, with the form's signature in the file's metadata."""
        table = self.frame.to_arrow()
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(
            {"signature": self.signature, "form_id": self.form.form_id, "layout": LAYOUT}
        ).encode()
        pq.write_table(table.replace_schema_metadata(meta), str(path))

    @classmethod
    def load(cls, path: str | Path, form: Form) -> Snapshot | None:
        """The saved snapshot of `form`, or None when missing or made for another form version
        or layout (the caller rebuilds it from the database)."""
        file = Path(path)
        if not file.exists():
            return None
        meta = pq.read_schema(str(file)).metadata or {}
        try:
            recorded = json.loads(meta[_META_KEY])["signature"]
        except (KeyError, ValueError, TypeError):
            return None
        signature = form_signature(form)
        if recorded != signature:
            return None
        return cls(form, pl.read_parquet(file), signature)
