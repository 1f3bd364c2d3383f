"""Responses out as CSV, XLSX, SPSS .sav and Parquet, read from the database in chunks.

Pipeline: `plan(survey, lang)` merges the questions of every form version the survey has (current
version's order first, choices united) into an `ExportPlan`; `_chunks` reads the responses ordered
by pk, `chunk_size` at a time (`values_list(...).iterator()`); one writer per format turns each
chunk into rows and writes it before the next chunk is read.

Layout. Question columns are named as in ODK Central's CSV (`path_name`: groups and name joined
with '-'), between the meta columns: `SubmissionDate` (completion time, or last change for a
partial response; UTC), then `KEY` (uuid derived from the response id, as in the CSV), `Status`
(partial or complete), `FormVersion` and `Language`.

- csv: `transfer.export_csv`'s layout and cells (codes, select_multiple as space-separated codes);
  with `labels`, choices as their labels in `lang`, select_multiple joined with "; ".
- xlsx: a `data` sheet as the CSV (numbers as numbers, dates and times as Excel dates, UTC; past
  Excel's 1,048,576 rows it goes on in `data_2`, ...), a `variables` sheet (column, type, choice
  list, question label per language) and a `labels` sheet (list, code, label per language).
- sav: SPSS names (letters, digits, underscore, at most 64 bytes, unique ignoring case) made from
  the question names; select_one as numeric codes 1..k in choice order with value labels,
  select_multiple as one 0/1 variable `question_choice` per choice, numbers numeric, texts as
  strings as wide as the longest answer, dates as SPSS dates; variable labels are the question
  labels in `lang`. Unanswered is system-missing (an empty string for string variables).
- parquet: one row group per chunk; select_one as dictionary-encoded strings, select_multiple as
  list<string>, integers int64, decimals float64, dates date32, SubmissionDate timestamp[us, UTC];
  each field's metadata holds its type, label per language and choices as JSON.

Memory. csv, xlsx and parquet hold one chunk at a time: memory does not grow with the number of
responses (1,000,000 responses of the built-in survey: peak RSS about 150 MB for csv and xlsx,
270 MB for parquet, most of it Django, SQLite's cache and Arrow's libraries). pyreadstat writes a
.sav only from a whole data frame (the file header carries the row count and every string's
width), so sav gathers the responses in a compact polars frame first, and its memory is NOT
bounded: per response 1 byte per choice code or 0/1 variable, 8 per number and date, 4 for the
form version, about 57 for KEY, and 16 bytes per text column plus the text itself beyond 12
bytes. For the built-in survey that is about 280 bytes per response, measured: peak RSS 463 MB
for 1,000,000 responses, against 191 MB for 20,000 (benchmarks/exports.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.utils import timezone
from tqdm import tqdm

from indagine.collect.transfer import ImportRefused, _cell, _survey
from indagine.forms.model import Choice, Form, Question, QuestionType
from indagine.surveys.models import Survey

FORMATS = ("csv", "xlsx", "sav", "parquet")
LABELLED = ("csv", "xlsx")  # formats whose cells can hold labels instead of codes
CHUNK = 5000
XLSX_MAX_ROWS = 1_048_576
SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
SELECTED = {"it": ("non selezionato", "selezionato"), "en": ("not selected", "selected")}
NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE)
DATES = (QuestionType.DATE, QuestionType.TODAY)


@dataclass(frozen=True)
class Record:
    """One response as it is exported."""

    key: str
    submitted: dt.datetime
    answers: Mapping[str, Any]
    status: str
    version: int
    language: str


@dataclass(frozen=True)
class ExportPlan:
    form: Form  # the current version: languages and default language
    questions: tuple[Question, ...]  # every version's answer-holding questions, merged
    lang: str

    def languages(self) -> list[str]:
        """The default language first, then the others (PostgreSQL's JSON keeps no order)."""
        default = self.form.default_language
        return [default, *sorted(set(self.form.languages) - {default})]

    def text(self, text: Any) -> str:
        return text.get(self.lang, self.form.default_language)

    def choice_label(self, question: Question, code: str) -> str:
        choice = question.choice(code)
        return self.text(choice.label) if choice is not None else code


def plan(survey: Survey, lang: str | None = None) -> ExportPlan:
    """Questions of every form version the survey has: current order first, choices united."""
    current = survey.current_version.form
    merged: dict[str, Question] = {}
    versions = [current, *(v.form for v in survey.versions.exclude(pk=survey.current_version_id))]
    for form in versions:
        for question in form.questions():
            if question.type is QuestionType.NOTE:
                continue
            known = merged.get(question.name)
            if known is None:
                merged[question.name] = question
            elif extra := [c for c in question.choices if known.choice(c.name) is None]:
                merged[question.name] = replace(known, choices=(*known.choices, *extra))
    return ExportPlan(current, tuple(merged.values()), lang or current.default_language)


def export(
    slug: str,
    path: Path,
    fmt: str = "csv",
    *,
    labels: bool = False,
    lang: str | None = None,
    progress: bool = False,
    chunk_size: int = CHUNK,
) -> int:
    """Write every response (partial and complete) of the survey to `path`; return how many."""
    if fmt not in FORMATS:
        raise ImportRefused("EXPORT_BAD_FORMAT", f"Unknown format '{fmt}': one of {FORMATS}.")
    if labels and fmt not in LABELLED:
        raise ImportRefused(
            "EXPORT_LABELS_FORMAT", f"Labels instead of codes apply to {LABELLED}; {fmt} has both."
        )
    survey = _survey(slug)
    layout = plan(survey, lang)
    chunks = _chunks(survey, chunk_size, progress, layout.questions)
    # Written beside the target and renamed onto it when whole: an export killed half way
    # leaves the previous file as it was, never a shorter one that looks complete.
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        if fmt == "csv":
            count = write_csv(layout, chunks, partial, labels=labels)
        elif fmt == "xlsx":
            count = write_xlsx(layout, chunks, partial, labels=labels)
        elif fmt == "sav":
            count = write_sav(layout, chunks, partial)
        else:
            count = write_parquet(layout, chunks, partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _chunks(
    survey: Survey, size: int, progress: bool, questions: Iterable[Question] = ()
) -> Iterator[list[Record]]:
    fields = ("pk", "completed_at", "updated_at", "answers", "status", "form_version__number")
    rows = (
        survey.responses.order_by("pk")
        .values_list(*fields, "language", "started_at")
        .iterator(chunk_size=size)
    )
    metadata = [q for q in questions if q.type.is_metadata]
    bar = tqdm(total=survey.responses.count(), desc="exporting", unit=" rows", disable=not progress)
    with bar:
        while batch := list(itertools.islice(rows, size)):
            yield [
                Record(
                    _key(survey.slug, pk),
                    completed or updated,
                    _with_times(answers, metadata, started, completed or updated),
                    status,
                    number,
                    lang,
                )
                for pk, completed, updated, answers, status, number, lang, started in batch
            ]
            bar.update(len(batch))


def _with_times(
    answers: Mapping[str, Any], metadata: list[Question], started: dt.datetime, ended: dt.datetime
) -> Mapping[str, Any]:
    """The answers with the form's start, end and today questions, from the response's times:
    ISO 8601 in the survey's time zone, as ODK Central writes them (an anonymous survey's times
    are of the day only)."""
    if not metadata:
        return answers
    start, end = timezone.localtime(started), timezone.localtime(ended)
    values = {
        QuestionType.START: start.isoformat(timespec="milliseconds"),
        QuestionType.END: end.isoformat(timespec="milliseconds"),
        QuestionType.TODAY: start.date().isoformat(),
    }
    return {**answers, **{q.name: values[q.type] for q in metadata}}


def _key(slug: str, pk: int) -> str:
    return f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{slug}/{pk}')}"


# -- CSV ----------------------------------------------------------------------------------------

CSV_TAIL = ("meta-instanceID", "KEY", "Status", "FormVersion", "Language")


def write_csv(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """ODK Central's layout; codes, or labels in `layout.lang`."""
    cell = _label_cell(layout) if labels else _code_cell
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["SubmissionDate", *(q.path_name for q in layout.questions), *CSV_TAIL])
        for chunk in chunks:
            writer.writerows(
                [
                    r.submitted.isoformat(),
                    *(cell(r.answers.get(q.name), q) for q in layout.questions),
                    r.key,
                    r.key,
                    r.status,
                    r.version,
                    r.language,
                ]
                for r in chunk
            )
            count += len(chunk)
    return count


def _code_cell(value: Any, question: Question) -> str:
    return _cell(value)


def _label_cell(layout: ExportPlan) -> Callable[[Any, Question], str]:
    def cell(value: Any, question: Question) -> str:
        if value is None or not question.type.is_select:
            return _cell(value)
        if isinstance(value, list):
            return "; ".join(layout.choice_label(question, str(v)) for v in value)
        return layout.choice_label(question, str(value))

    return cell


# -- XLSX ---------------------------------------------------------------------------------------


def write_xlsx(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """Write-only workbook: `data` (as the CSV), `variables` and `labels` sheets."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = ["SubmissionDate", *(q.path_name for q in layout.questions), *CSV_TAIL]
    sheet, rows, sheets = workbook.create_sheet("data"), 1, 1
    sheet.append(header)
    convert = _xlsx_converter(layout, labels)
    count = 0
    for chunk in chunks:
        for record in chunk:
            if rows == XLSX_MAX_ROWS:
                sheets += 1
                sheet, rows = workbook.create_sheet(f"data_{sheets}"), 1
                sheet.append(header)
            sheet.append(convert(sheet, record))
            rows += 1
        count += len(chunk)
    _xlsx_dictionary(workbook, layout)
    workbook.save(path)
    return count


def _xlsx_text(sheet: Any, value: str | None) -> Any:
    """A cell of text, never a formula (openpyxl takes a string starting with '=' for one:
    an answer, a label or a language such as '=HYPERLINK(...)' would run in Excel)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith("="):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def _xlsx_converter(layout: ExportPlan, labels: bool) -> Callable[[Any, Record], list[Any]]:
    label = _label_cell(layout)
    text = _xlsx_text

    def value(sheet: Any, raw: Any, question: Question) -> Any:
        if raw is None:
            return None
        kind = question.type
        if kind.is_select:
            return text(sheet, label(raw, question) if labels else _cell(raw))
        if kind in NUMBERS and isinstance(raw, int | float) and not isinstance(raw, bool):
            return raw
        if kind in DATES and (day := _date(raw)) is not None:
            return day
        return text(sheet, _cell(raw))

    def convert(sheet: Any, r: Record) -> list[Any]:
        return [
            _naive_utc(r.submitted),
            *(value(sheet, r.answers.get(q.name), q) for q in layout.questions),
            r.key,
            r.key,
            r.status,
            r.version,
            text(sheet, r.language),
        ]

    return convert


def _xlsx_dictionary(workbook: Any, layout: ExportPlan) -> None:
    languages = layout.languages()
    variables = workbook.create_sheet("variables")
    variables.append(["column", "type", "list", *(f"label::{code}" for code in languages)])
    variables.append(["SubmissionDate", "datetime (UTC)", None])
    for q in layout.questions:
        labels = (_xlsx_text(variables, q.label.values.get(c)) for c in languages)
        variables.append([q.path_name, q.type.value, q.list_name, *labels])
    for column, kind in zip(CSV_TAIL, ("text", "text", "text", "integer", "text"), strict=True):
        variables.append([column, kind, None])
    sheet = workbook.create_sheet("labels")
    sheet.append(["list", "code", *(f"label::{code}" for code in languages)])
    for list_name, choices in _lists(layout).items():
        for c in choices:
            labels = (_xlsx_text(sheet, c.label.values.get(code)) for code in languages)
            sheet.append([list_name, c.name, *labels])


def _lists(layout: ExportPlan) -> dict[str, tuple[Choice, ...]]:
    lists: dict[str, tuple[Choice, ...]] = {}
    for q in layout.questions:
        if q.type.is_select:
            lists.setdefault(q.list_name or q.name, q.choices)
    return lists


# -- values shared by the typed formats ---------------------------------------------------------


def _naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def _is_integral(question: Question) -> bool:
    if question.type is QuestionType.INTEGER:
        return True
    if question.type is QuestionType.RANGE:
        params = [question.parameters.get(k, "1") for k in ("start", "step")]
        return all(_number(p) is not None and float(p).is_integer() for p in params)
    return False


def _number(value: Any, integral: bool = False) -> int | float | None:
    """A stored answer as a number; None when it is none (answers of another form version)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if integral:
        return int(number) if number.is_integer() else None
    return number


def _codes(value: Any) -> list[str]:
    """A multiple choice's codes, whether stored as a list or as space-separated text."""
    return [str(v) for v in value] if isinstance(value, list) else str(value).split()


def _string(value: Any) -> str | None:
    return None if value is None else _cell(value)


# -- SPSS .sav ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavVariable:
    name: str
    label: str
    question: Question | None  # None for the meta variables
    choice: str | None = None  # the choice of a select_multiple's 0/1 variable


def sav_variables(layout: ExportPlan) -> list[SavVariable]:
    """SPSS variables in column order: meta, one per question, one per multiple-choice option."""
    names = _SpssNames()
    # Questions keep their own names; a choice's variable yields ('remote_tools_other' is a text).
    single = {
        q.name: names.make(q.name)
        for q in layout.questions
        if q.type is not QuestionType.SELECT_MULTIPLE
    }
    result = [SavVariable("SubmissionDate", "Submission date (UTC)", None)]
    for q in layout.questions:
        label = layout.text(q.label)
        if q.type is QuestionType.SELECT_MULTIPLE:
            result.extend(
                SavVariable(
                    names.make(f"{q.name}_{c.name}"), f"{label}: {layout.text(c.label)}", q, c.name
                )
                for c in q.choices
            )
        else:
            result.append(SavVariable(single[q.name], label, q))
    result.extend(SavVariable(m, m, None) for m in ("KEY", "Status", "FormVersion", "Language"))
    return result


class _SpssNames:
    """Valid, unique SPSS variable names: ASCII letters, digits and '_', a letter first."""

    def __init__(self) -> None:
        self.taken = {"SUBMISSIONDATE", "KEY", "STATUS", "FORMVERSION", "LANGUAGE"}

    def make(self, wanted: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
        name = re.sub(r"[^A-Za-z0-9_]", "_", ascii_name)
        if not name[:1].isalpha() or name.upper() in SPSS_RESERVED:
            name = f"v_{name}"
        name = name[:64]
        candidate, n = name, 1
        while candidate.upper() in self.taken:
            n += 1
            candidate = f"{name[: 64 - len(str(n)) - 1]}_{n}"
        self.taken.add(candidate.upper())
        return candidate


def write_sav(layout: ExportPlan, chunks: Iterable[list[Record]], path: Path) -> int:
    """SPSS file with variable and value labels; held whole in a compact frame (see above)."""
    import polars as pl
    import pyreadstat

    variables = sav_variables(layout)
    schema = {v.name: _sav_dtype(v, pl) for v in variables}
    columns = [_sav_column(v) for v in variables]
    frames = [
        pl.DataFrame([[f(r) for r in chunk] for f in columns], schema=schema, orient="col")
        for chunk in chunks
    ]
    frame = pl.concat(frames, rechunk=False) if frames else pl.DataFrame(schema=schema)
    del frames
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels={v.name: _cut(v.label, 256) for v in variables},
        variable_value_labels=_sav_value_labels(layout, variables),
        variable_measure=_sav_measures(variables),
    )
    return frame.height


def _sav_dtype(variable: SavVariable, pl: Any) -> Any:
    q = variable.question
    if q is None:
        meta = {"SubmissionDate": pl.Datetime("us"), "FormVersion": pl.Int32}
        return meta.get(variable.name, pl.Categorical if variable.name != "KEY" else pl.String)
    if q.type.is_select:
        return pl.Int8 if len(q.choices) < 127 or variable.choice else pl.Int16
    if q.type in NUMBERS:
        return pl.Int64 if _is_integral(q) else pl.Float64
    return pl.Date if q.type in DATES else pl.String


def _sav_column(variable: SavVariable) -> Callable[[Record], Any]:
    q = variable.question
    if q is None:
        return {
            "SubmissionDate": lambda r: _naive_utc(r.submitted),
            "KEY": lambda r: r.key,
            "Status": lambda r: r.status,
            "FormVersion": lambda r: r.version,
            "Language": lambda r: r.language,
        }[variable.name]
    name = q.name
    if variable.choice is not None:
        choice = variable.choice
        return lambda r: None if (v := r.answers.get(name)) is None else int(choice in _codes(v))
    if q.type is QuestionType.SELECT_ONE:
        codes = sav_codes(q)
        return lambda r: codes.get(r.answers.get(name))
    if q.type in NUMBERS:
        integral = _is_integral(q)
        return lambda r: _number(r.answers.get(name), integral)
    if q.type in DATES:
        return lambda r: None if (v := r.answers.get(name)) is None else _date(v)
    return lambda r: _string(r.answers.get(name))


def _sav_value_labels(
    layout: ExportPlan, variables: list[SavVariable]
) -> dict[str, dict[int, str]]:
    no, yes = SELECTED.get(layout.lang, SELECTED["en"])
    labels: dict[str, dict[int, str]] = {}
    for v in variables:
        if v.question is None or not v.question.type.is_select:
            continue
        if v.choice is not None:
            labels[v.name] = {0: no, 1: yes}
        else:
            codes = sav_codes(v.question)
            labels[v.name] = {
                codes[c.name]: _cut(layout.text(c.label) or c.name, 120) for c in v.question.choices
            }
    return labels


def sav_codes(question: Question) -> dict[str, int]:
    """A single choice's numeric codes in SPSS: an ordered scale's own scores when they are
    whole and distinct (so a mean in SPSS is the report's mean), else 1, 2, ... in the
    questionnaire's order."""
    scores = [c.score for c in question.choices]
    whole = [int(s) for s in scores if s is not None and float(s).is_integer()]
    if question.is_scale and len(whole) == len(scores) and len(set(whole)) == len(whole):
        return {c.name: code for c, code in zip(question.choices, whole, strict=True)}
    return {c.name: i for i, c in enumerate(question.choices, 1)}


def _sav_measures(variables: list[SavVariable]) -> dict[str, str]:
    measures = {}
    for v in variables:
        q = v.question
        if q is None or q.type is QuestionType.SELECT_MULTIPLE:
            measures[v.name] = "nominal"
        elif q.type is QuestionType.SELECT_ONE:
            measures[v.name] = "ordinal" if q.is_scale else "nominal"
        elif q.type in NUMBERS:
            measures[v.name] = "scale"
        else:
            measures[v.name] = "nominal"
    measures["FormVersion"] = "ordinal"
    return measures


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary (SPSS's label limits)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


# -- Parquet ------------------------------------------------------------------------------------


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
    fields = [*meta_head, *(_parquet_field(q, pa) for q in layout.questions), *meta_tail]
    schema = pa.schema(fields, metadata={"indagine.form_id": layout.form.form_id})
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in chunks:
            arrays = [pa.array([r.submitted for r in chunk], fields[0].type)]
            for q, field in zip(layout.questions, fields[1:], strict=False):
                arrays.append(_parquet_array(q, field.type, chunk, pa))
            arrays += [
                pa.array([r.key for r in chunk], pa.string()),
                pa.array([r.status for r in chunk], pa.string()).dictionary_encode(),
                pa.array([r.version for r in chunk], pa.int32()),
                pa.array([r.language for r in chunk], pa.string()).dictionary_encode(),
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), len(chunk) or 1)
            count += len(chunk)
    return count


def _parquet_field(q: Question, pa: Any) -> Any:
    if q.type is QuestionType.SELECT_ONE:
        kind = pa.dictionary(pa.int32(), pa.string())
    elif q.type is QuestionType.SELECT_MULTIPLE:
        kind = pa.list_(pa.string())
    elif q.type in NUMBERS:
        kind = pa.int64() if _is_integral(q) else pa.float64()
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


def _parquet_array(q: Question, kind: Any, chunk: list[Record], pa: Any) -> Any:
    values = [r.answers.get(q.name) for r in chunk]
    if q.type is QuestionType.SELECT_ONE:
        return pa.array([_string(v) for v in values], pa.string()).dictionary_encode()
    if q.type is QuestionType.SELECT_MULTIPLE:
        return pa.array([None if v is None else _codes(v) for v in values], kind)
    if q.type in NUMBERS:
        integral = _is_integral(q)
        return pa.array([_number(v, integral) for v in values], kind)
    if q.type in DATES:
        return pa.array([None if v is None else _date(v) for v in values], kind)
    return pa.array([_string(v) for v in values], kind)
