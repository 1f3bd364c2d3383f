"""Responses as Parquet, one row group per chunk: select_one as dictionary-encoded strings,
select_multiple as list<string>, integers int64, decimals float64, dates date32, SubmissionDate
timestamp[us, UTC]; each field's metadata holds its type, label per language and choices as JSON.

A form with repeats gives a zip of Parquet files, one per table as ODK Central's CSV zip has them
(`exports.tables`): the repeat's file has its questions, then PARENT_KEY and KEY (strings), and
the repeat's name in the schema's metadata (`indagine.repeat`)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.layout import REPEAT_TAIL, ExportPlan, Record, Table
from indagine.collect.exports.tables import write_tables
from indagine.collect.exports.values import (
    DATES,
    NUMBERS,
    as_date,
    as_number,
    as_string,
    codes,
    is_integral,
)
from indagine.forms.model import Question, QuestionType


def write_parquet(layout: ExportPlan, chunks: Iterable[list[Record]], path: Path) -> int:
    """One row group per chunk; labels and choices in each field's metadata."""

    def opener(table: Table, file: Path, stack: contextlib.ExitStack) -> _ParquetTable:
        return _ParquetTable(layout, table, file, stack)

    return write_tables(layout, chunks, path, "parquet", opener)


class _ParquetTable:
    """One Parquet file: a row group for each chunk's rows."""

    def __init__(
        self, layout: ExportPlan, table: Table, path: Path, stack: contextlib.ExitStack
    ) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.pa, self.table = pa, table
        dictionary = pa.dictionary(pa.int32(), pa.string())
        if table.repeat is None:
            head = [pa.field("SubmissionDate", pa.timestamp("us", tz="UTC"))]
            tail = [
                pa.field("KEY", pa.string()),
                pa.field("Status", dictionary),
                pa.field("FormVersion", pa.int32()),
                pa.field("Language", dictionary),
            ]
            metadata = {"indagine.form_id": layout.form.form_id}
        else:
            head, tail = [], [pa.field(name, pa.string()) for name in REPEAT_TAIL]
            metadata = {
                "indagine.form_id": layout.form.form_id,
                "indagine.repeat": table.repeat.name,
            }
        columns = [_field(q, table, pa) for q in table.questions]
        self.types = [field.type for field in columns]
        self.schema = pa.schema([*head, *columns, *tail], metadata=metadata)
        self.writer = stack.enter_context(pq.ParquetWriter(path, self.schema))

    def write(self, rows: list[Record]) -> None:
        if not rows:
            return  # a chunk of responses none of which has an instance of this repeat
        pa, questions = self.pa, self.table.questions
        arrays = [_array(q, kind, rows, pa) for q, kind in zip(questions, self.types, strict=True)]
        if self.table.repeat is None:
            arrays = [
                pa.array([r.submitted for r in rows], self.schema.field(0).type),
                *arrays,
                pa.array([r.key for r in rows], pa.string()),
                pa.array([r.status for r in rows], pa.string()).dictionary_encode(),
                pa.array([r.version for r in rows], pa.int32()),
                pa.array([r.language for r in rows], pa.string()).dictionary_encode(),
            ]
        else:
            arrays += [
                pa.array([r.parent for r in rows], pa.string()),
                pa.array([r.key for r in rows], pa.string()),
            ]
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=self.schema), len(rows))

    def finish(self) -> None:
        self.writer.close()


def _field(q: Question, table: Table, pa: Any) -> Any:
    """The question's Arrow field: its type, and its label and choices in the metadata."""
    if q.type is QuestionType.SELECT_ONE:
        kind = pa.dictionary(pa.int32(), pa.string())
    elif q.type is QuestionType.SELECT_MULTIPLE:
        kind = pa.list_(pa.string())
    elif q.type in NUMBERS:
        kind = pa.int64() if is_integral(q) else pa.float64()
    elif q.type in DATES:
        kind = pa.date32()
    else:
        kind = pa.string()
    meta = {
        "type": q.type.value,
        "label": json.dumps(q.label.to_json(), ensure_ascii=False),
    }
    if q.type.is_select:
        meta["list"] = q.list_name or ""
        meta["choices"] = json.dumps(
            [{"name": c.name, "label": c.label.to_json()} for c in q.choices], ensure_ascii=False
        )
    return pa.field(table.column(q), kind, metadata=meta)


def _array(q: Question, kind: Any, rows: list[Record], pa: Any) -> Any:
    """The rows' answers to the question as an Arrow array of the field's type."""
    values = [r.answers.get(q.name) for r in rows]
    if q.type is QuestionType.SELECT_ONE:
        return pa.array([as_string(v) for v in values], pa.string()).dictionary_encode()
    if q.type is QuestionType.SELECT_MULTIPLE:
        return pa.array([None if v is None else codes(v) for v in values], kind)
    if q.type in NUMBERS:
        integral = is_integral(q)
        return pa.array([as_number(v, integral) for v in values], kind)
    if q.type in DATES:
        return pa.array([None if v is None else as_date(v) for v in values], kind)
    return pa.array([as_string(v) for v in values], kind)
