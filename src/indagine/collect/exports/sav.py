"""Responses as an SPSS .sav file, with variable and value labels.

SPSS names (letters, digits, underscore, at most 64 bytes, unique ignoring case) are made from
the question names; select_one as numeric codes (`sav_codes`) with value labels, select_multiple
as one 0/1 variable `question_choice` per choice, numbers numeric, texts as strings as wide as
the longest answer (SPSS holds 32,767 bytes: a longer one is cut, with a warning), dates as SPSS
dates; variable labels are the question labels in the export's language. Unanswered is
system-missing (an empty string for string variables).

The file's header carries the number of cases and each string variable's width, both known only
once every response has been read. So the chunks are converted to Arrow record batches and spilled
to an unnamed temporary file beside the export while the widest string of each variable is
measured; then ReadStat (through readstat-arrow's `SavWriter`, which writes a .sav a batch at a
time) writes the header and streams the batches back. Memory holds one chunk whatever the number
of responses; the disk holds the spilled batches (about half the .sav's size) until the end.

A form with repeats gives a zip of .sav (or .dta) files, one per table as ODK Central's CSV zip
has them (`exports.tables`): a repeat's file has its questions' variables, then PARENT_KEY and
KEY; each table is spilled and measured on its own, all from the same pass over the responses.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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
    naive_utc,
)
from indagine.forms.model import Question, QuestionType

SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
Measure = Literal["nominal", "ordinal", "scale"]
SELECTED = {"it": ("non selezionato", "selezionato"), "en": ("not selected", "selected")}


@dataclass(frozen=True)
class SavVariable:
    """One SPSS variable: its name, its label, and the question (and choice) it holds."""

    name: str
    label: str
    question: Question | None  # None for the meta variables
    choice: str | None = None  # the choice of a select_multiple's 0/1 variable


def sav_variables(layout: ExportPlan, table: Table | None = None) -> list[SavVariable]:
    """SPSS variables in column order: meta, one per question, one per multiple-choice option;
    of a repeat's `table`, its questions' then PARENT_KEY and KEY."""
    table = table or layout.tables()[0]
    main = table.repeat is None
    names = SpssNames() if main else SpssNames(REPEAT_TAIL)
    # Questions keep their own names; a choice's variable yields ('remote_tools_other' is a text).
    single = {
        q.name: names.make(q.name)
        for q in table.questions
        if q.type is not QuestionType.SELECT_MULTIPLE
    }
    result = [SavVariable("SubmissionDate", "Submission date (UTC)", None)] if main else []
    for q in table.questions:
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
    tail = ("KEY", "Status", "FormVersion", "Language") if main else REPEAT_TAIL
    result.extend(SavVariable(m, m, None) for m in tail)
    return result


class SpssNames:
    """Valid, unique SPSS variable names: ASCII letters, digits and '_', a letter first."""

    def __init__(self, meta: Iterable[str] | None = None) -> None:
        """`meta`: the table's own variables, whose names are taken (the main table's if None)."""
        if meta is None:
            meta = ("SubmissionDate", "KEY", "Status", "FormVersion", "Language")
        self.taken = {name.upper() for name in meta}

    def make(self, wanted: str) -> str:
        """A name like `wanted`, valid in SPSS and not taken yet (then taken)."""
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


def write_sav(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, stata: bool = False
) -> int:
    """SPSS file with variable and value labels, written in two passes (see above); with
    `stata`, a Stata .dta (format 118) of the same variables and labels, its names made legal
    for Stata by ReadStat (32 characters; the renames are Stata's stricter rules) and its
    texts cut where Stata's limits are lower (80 characters of variable label, 2,045 bytes of
    a string)."""

    def opener(table: Table, file: Path, stack: contextlib.ExitStack) -> _SavTable:
        return _SavTable(layout, table, file, stack, stata)

    return write_tables(layout, chunks, path, "dta" if stata else "sav", opener)


class _SavTable:
    """One .sav (or .dta) file: each chunk's rows spilled as an Arrow batch while the widest
    string of each variable is measured, then the file written from the spill."""

    def __init__(
        self, layout: ExportPlan, table: Table, path: Path, stack: contextlib.ExitStack, stata: bool
    ) -> None:
        import pyarrow as pa

        self.layout, self.path, self.stata = layout, path, stata
        self.variables = sav_variables(layout, table)
        self.schema = pa.schema([(v.name, _arrow_type(v, pa, stata)) for v in self.variables])
        self.columns = [_column(v) for v in self.variables]
        self.strings = [i for i, field in enumerate(self.schema) if field.type == pa.string()]
        self.widths = {self.schema.names[i]: 1 for i in self.strings}
        self.count = 0
        spill = tempfile.TemporaryFile(dir=path.parent, prefix=".sav-spill-")  # noqa: SIM115
        self.spill = stack.enter_context(spill)  # closed with the export, whatever happens
        self.stream = stack.enter_context(pa.ipc.new_stream(self.spill, self.schema))

    def write(self, rows: list[Record]) -> None:
        """Spill the rows as an Arrow record batch; note the widest value, in UTF-8 bytes, of
        each string variable (at least 1)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if not rows:
            return  # a chunk of responses none of which has an instance of this repeat
        arrays = [
            pa.array([value(r) for r in rows], kind)
            for value, kind in zip(self.columns, self.schema.types, strict=True)
        ]
        for i in self.strings:
            name = self.schema.names[i]
            widest = pc.max(pc.binary_length(arrays[i])).as_py() or 0
            self.widths[name] = max(self.widths[name], widest)
        self.stream.write_batch(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self.count += len(rows)

    def finish(self) -> None:
        """Write the file: its header, now that the cases and widths are known, then the
        spilled batches streamed back."""
        import pyarrow as pa
        import readstat_arrow

        self.stream.close()
        self.spill.seek(0)
        metadata = _metadata(
            self.layout, self.variables, self.schema, self.widths, stata=self.stata
        )
        writer: Any
        if self.stata:
            writer = readstat_arrow.DtaWriter(
                str(self.path),
                self.schema,
                self.count,
                metadata,
                rename_invalid_names=True,
                on_text_limits_exceeded="truncate",
            )
        else:
            writer = readstat_arrow.SavWriter(
                str(self.path),
                self.schema,
                self.count,
                metadata,
                on_text_limits_exceeded="truncate",
            )
        with writer:
            for batch in pa.ipc.open_stream(self.spill):
                writer.write_batch(batch)


def _arrow_type(variable: SavVariable, pa: Any, stata: bool = False) -> Any:
    """The variable's Arrow type: SPSS holds every number as a double, dates as seconds, so the
    type only says which (an integer's display format has no decimals). Stata labels only the
    values of integer variables: a single choice's codes are a 32-bit `long` there, where a
    64-bit integer would become a double."""
    q = variable.question
    if q is None:
        meta = {"SubmissionDate": pa.timestamp("us"), "FormVersion": pa.int32()}
        return meta.get(variable.name, pa.string())
    if q.type.is_select:
        return pa.int8() if variable.choice is not None else (pa.int32() if stata else pa.int64())
    if q.type in NUMBERS:
        return pa.int64() if is_integral(q) else pa.float64()
    return pa.date32() if q.type in DATES else pa.string()


def _metadata(
    layout: ExportPlan,
    variables: list[SavVariable],
    schema: Any,
    widths: dict[str, int],
    *,
    stata: bool = False,
) -> Any:
    """Labels, measures, alignments (numbers right, strings left, as SPSS sets them) and the
    string variables' widths, as readstat-arrow takes them; for Stata, labels and widths
    (at most 2,045 bytes: its longer strL strings ReadStat does not write)."""
    from readstat_arrow import Metadata

    if stata:
        return Metadata(
            variable_labels={v.name: v.label for v in variables},
            value_labels={
                name: [{"value": code, "label": label} for code, label in codes.items()]
                for name, codes in _value_labels(layout, variables).items()
            },
            storage_widths={name: min(width, 2045) for name, width in widths.items()},
        )
    return Metadata(
        variable_labels={v.name: _cut(v.label, 256) for v in variables},
        value_labels={
            name: [{"value": code, "label": label} for code, label in codes.items()]
            for name, codes in _value_labels(layout, variables).items()
        },
        measures=_measures(variables),
        alignments={f.name: "left" if f.name in widths else "right" for f in schema},
        storage_widths=widths,
    )


def _column(variable: SavVariable) -> Callable[[Record], Any]:
    """A function giving the variable's value in a Record."""
    q = variable.question
    if q is None:
        return {
            "SubmissionDate": lambda r: naive_utc(r.submitted),
            "KEY": lambda r: r.key,
            "PARENT_KEY": lambda r: r.parent,
            "Status": lambda r: r.status,
            "FormVersion": lambda r: r.version,
            "Language": lambda r: r.language,
        }[variable.name]
    name = q.name
    if variable.choice is not None:
        choice = variable.choice
        return lambda r: None if (v := r.answers.get(name)) is None else int(choice in codes(v))
    if q.type is QuestionType.SELECT_ONE:
        numeric = sav_codes(q)
        return lambda r: numeric.get(str(r.answers.get(name)))
    if q.type in NUMBERS:
        integral = is_integral(q)
        return lambda r: as_number(r.answers.get(name), integral)
    if q.type in DATES:
        return lambda r: None if (v := r.answers.get(name)) is None else as_date(v)
    return lambda r: as_string(r.answers.get(name))


def _value_labels(
    layout: ExportPlan, variables: list[SavVariable]
) -> dict[str, dict[int | float, str]]:
    """The value labels of the choice variables: each code's label, or (not) selected."""
    no, yes = SELECTED.get(layout.lang, SELECTED["en"])
    labels: dict[str, dict[int | float, str]] = {}
    for v in variables:
        if v.question is None or not v.question.type.is_select:
            continue
        if v.choice is not None:
            labels[v.name] = {0: no, 1: yes}
        else:
            numeric = sav_codes(v.question)
            labels[v.name] = {
                numeric[c.name]: _cut(layout.text(c.label) or c.name, 120)
                for c in v.question.choices
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


def _measures(variables: list[SavVariable]) -> dict[str, Measure]:
    """Each variable's measure: nominal, ordinal (scales, the form version) or scale."""
    measures: dict[str, Measure] = {}
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
    if "FormVersion" in measures:  # a repeat's table has none
        measures["FormVersion"] = "ordinal"
    return measures


def _cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut at a character boundary (SPSS's label limits)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")
