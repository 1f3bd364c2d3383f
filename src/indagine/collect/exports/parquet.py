"""Responses as Parquet, one row group per chunk: select_one as dictionary-encoded strings,
select_multiple as list<string>, integers int64, decimals float64, dates date32, SubmissionDate
timestamp[us, UTC]; each field's metadata holds its type, label per language and choices as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.layout import ExportPlan, Record
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
    import pyarrow as pa
    import pyarrow.parquet as pq

    dictionary = pa.dictionary(pa.int32(), pa.string())
    meta_head = [pa.field("SubmissionDate", pa.timestamp("us", tz="UTC"))]
    meta_tail = [
        pa.field("KEY", pa.string()),
        pa.field("Status", dictionary),
        pa.field("FormVersion", pa.int32()),
        pa.field("Language", dictionary),
    ]
    fields = [*meta_head, *(_field(q, pa) for q in layout.questions), *meta_tail]
    schema = pa.schema(fields, metadata={"indagine.form_id": layout.form.form_id})
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in chunks:
            arrays = [pa.array([r.submitted for r in chunk], fields[0].type)]
            for q, field in zip(layout.questions, fields[1:], strict=False):
                arrays.append(_array(q, field.type, chunk, pa))
            arrays += [
                pa.array([r.key for r in chunk], pa.string()),
                pa.array([r.status for r in chunk], pa.string()).dictionary_encode(),
                pa.array([r.version for r in chunk], pa.int32()),
                pa.array([r.language for r in chunk], pa.string()).dictionary_encode(),
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), len(chunk) or 1)
            count += len(chunk)
    return count


def _field(q: Question, pa: Any) -> Any:
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
    return pa.field(q.path_name, kind, metadata=meta)


def _array(q: Question, kind: Any, chunk: list[Record], pa: Any) -> Any:
    """The chunk's answers to the question as an Arrow array of the field's type."""
    values = [r.answers.get(q.name) for r in chunk]
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
