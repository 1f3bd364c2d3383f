"""Responses as an Excel workbook, written row by row: a `data` sheet as the CSV (numbers as
numbers, dates and times as Excel dates, UTC; past Excel's 1,048,576 rows it goes on in `data_2`,
...), a `variables` sheet (column, type, choice list, question label per language) and a `labels`
sheet (list, code, label per language).

The writer is rust_xlsxwriter, through the rvgsrust-xlsxwriter bindings: its data sheets are in
constant-memory mode (each row goes to a temporary file as it is written, so memory does not grow
with the responses) and it takes a chunk's rows in one call: 1.8 times the CSV's CPU time, where
openpyxl's write-only sheets took 8.7 (benchmarks/exports.py). Every text is written as text,
never as a formula or a link. What Excel cannot hold is made to fit: control characters other
than tab and line breaks are dropped (XML cannot carry them), a text is cut at Excel's 32,767
characters, and a whole number beyond 2**53 is a number as near as Excel's can be. Excel holds
every number as a double: a reader such as openpyxl gives 40 back as 40.0.

A form with repeats has, after `data`, a sheet per repeat named after it, one row per instance
as in ODK Central's CSV of the repeat (its questions, then PARENT_KEY, the response's KEY, and
KEY, the instance's: `exports.tables`). Sheet names are cut to Excel's 31 characters, and made
unique (Excel does not tell case apart) with `~2`, `~3`...; past Excel's rows a repeat's sheet
goes on in `<name>_2` as `data` does. Then `variables` has a first column more, `sheet`: the
sheet whose column each row describes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.csv import CSV_TAIL, label_cell
from indagine.collect.exports.layout import REPEAT_TAIL, ExportPlan, Record, Table
from indagine.collect.exports.values import DATES, NUMBERS, as_date, naive_utc
from indagine.collect.transfer import _cell
from indagine.forms.model import Choice, Question

XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_TEXT = 32_767  # characters in a cell
XLSX_MAX_SHEET_NAME = 31  # characters
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # XML 1.0 has no place for these
_SHEET_ILLEGAL = re.compile(r"[\[\]:*?/\\\000-\037]")  # Excel refuses these in a sheet's name


def write_xlsx(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """`data` (as the CSV, in as many sheets as Excel's rows need), a sheet per repeat,
    `variables`, `labels`."""
    from rvgsrust_xlsxwriter import Workbook

    workbook = Workbook(str(path))
    names = _SheetNames()
    tables = layout.tables()
    sheets = [
        _DataSheets(workbook, _header(table), names, table.repeat.name if table.repeat else "data")
        for table in tables
    ]
    converters = [_converter(layout, table, labels) for table in tables]
    count = 0
    for chunk in chunks:
        for table, sheet, convert in zip(tables, sheets, converters, strict=True):
            sheet.write([convert(record) for record in table.rows(chunk)])
        count += len(chunk)
    _write_dictionary(workbook, layout, [sheet.first for sheet in sheets])
    workbook.close()
    return count


def _header(table: Table) -> list[str]:
    """A table's first row: the CSV's header (the main table's, or a repeat's)."""
    columns = [table.column(q) for q in table.questions]
    if table.repeat is None:
        return ["SubmissionDate", *columns, *CSV_TAIL]
    return [*columns, *REPEAT_TAIL]


class _SheetNames:
    """Sheet names Excel takes: at most 31 characters, none of []:*?/\\, not starting or
    ending with an apostrophe, and unique ignoring case; `variables` and `labels` are kept for
    the dictionary (and 'History' for Excel's own)."""

    def __init__(self) -> None:
        self.taken = {"variables", "labels", "history"}

    def make(self, wanted: str, suffix: str = "") -> str:
        """A name like `wanted` + `suffix` (kept whole however long `wanted` is), then taken."""
        base = _SHEET_ILLEGAL.sub("_", wanted).strip("'") or "repeat"
        name, n = f"{base[: XLSX_MAX_SHEET_NAME - len(suffix)]}{suffix}", 1
        while name.casefold() in self.taken:
            n += 1
            mark = f"{suffix}~{n}"
            name = f"{base[: XLSX_MAX_SHEET_NAME - len(mark)]}{mark}"
        self.taken.add(name.casefold())
        return name


class _DataSheets:
    """A table's sheets: each holds the header and then rows until Excel's last row."""

    def __init__(self, workbook: Any, header: list[str], names: _SheetNames, base: str) -> None:
        self.workbook, self.header, self.names, self.base = workbook, header, names, base
        self.sheets = 0
        self._next_sheet()
        self.first = self.name

    def _next_sheet(self) -> None:
        self.sheets += 1
        suffix = "" if self.sheets == 1 else f"_{self.sheets}"
        self.name = self.names.make(self.base, suffix)
        self.sheet = self.workbook.add_worksheet(self.name, constant_memory=True)
        self.sheet.write_row(0, 0, self.header)
        self.row = 1

    def write(self, rows: list[list[Any]]) -> None:
        """Append the rows, going on in a new sheet when this one is full."""
        while rows:
            if self.row == XLSX_MAX_ROWS:
                self._next_sheet()
            room = XLSX_MAX_ROWS - self.row
            self.sheet.write_rows(self.row, 0, rows[:room])
            self.row += min(room, len(rows))
            rows = rows[room:]


def _text(value: str | None) -> str | None:
    """A text as a cell can hold it: no control characters XML refuses, at most 32,767."""
    if value is None:
        return None
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value[:XLSX_MAX_TEXT]


def _as_text(raw: Any) -> str:
    """An answer as the CSV's cell, as a cell can hold it (`_text`); a text answer, the most
    common, without a call more (this runs for most cells of every row)."""
    value = raw if raw.__class__ is str else _cell(raw)
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub("", value)
    return value[:XLSX_MAX_TEXT]


def _number(raw: Any) -> Any:
    """A number as it is; anything else stored under a number question, as text."""
    if raw.__class__ is int or raw.__class__ is float:
        return raw
    return _as_text(raw)


def _date(raw: Any) -> Any:
    """An ISO date as an Excel date; anything else stored under a date question, as text."""
    day = as_date(raw)
    return day if day is not None else _as_text(raw)


def _cell_writer(layout: ExportPlan, question: Question, labels: bool) -> Callable[[Any], Any]:
    """The function turning a (not None) answer to the question into its cell."""
    kind = question.type
    if kind.is_select and labels:
        label = label_cell(layout)
        return lambda raw: _text(label(raw, question))
    if kind in NUMBERS:
        return _number
    if kind in DATES:
        return _date
    return _as_text


def _converter(layout: ExportPlan, table: Table, labels: bool) -> Callable[[Record], list[Any]]:
    """A function turning a Record into the table's row of typed cells; the per-question
    cell functions are chosen once, not per cell (the row loop is most of an export's time)."""
    cells = [(q.name, _cell_writer(layout, q, labels)) for q in table.questions]

    def convert(r: Record) -> list[Any]:
        get = r.answers.get
        return [
            naive_utc(r.submitted),
            *[None if (raw := get(name)) is None else cell(raw) for name, cell in cells],
            r.key,
            r.key,
            r.status,
            r.version,
            _text(r.language),
        ]

    def convert_instance(r: Record) -> list[Any]:
        get = r.answers.get
        return [
            *[None if (raw := get(name)) is None else cell(raw) for name, cell in cells],
            r.parent,
            r.key,
        ]

    return convert if table.repeat is None else convert_instance


def _write_dictionary(workbook: Any, layout: ExportPlan, sheets: list[str]) -> None:
    """The `variables` and `labels` sheets: each column's type and labels (and, with repeats,
    its sheet), each list's choices."""
    languages = layout.languages()
    rows: list[list[Any]] = []
    for table, sheet in zip(layout.tables(), sheets, strict=True):
        table_rows: list[list[Any]] = []
        if table.repeat is None:
            table_rows.append(["SubmissionDate", "datetime (UTC)", None])
        for q in table.questions:
            labels = (_text(q.label.values.get(c)) for c in languages)
            table_rows.append([table.column(q), q.type.value, q.list_name, *labels])
        if table.repeat is None:
            kinds = ("text", "text", "text", "integer", "text")
            table_rows += [[c, k, None] for c, k in zip(CSV_TAIL, kinds, strict=True)]
        else:
            table_rows += [[c, "text", None] for c in REPEAT_TAIL]
        rows += [[sheet, *row] for row in table_rows] if layout.repeats else table_rows
    header = ["column", "type", "list", *(f"label::{code}" for code in languages)]
    header = ["sheet", *header] if layout.repeats else header
    workbook.add_worksheet("variables").write_rows(0, 0, [header, *rows])
    rows = [["list", "code", *(f"label::{code}" for code in languages)]]
    for list_name, choices in _lists(layout).items():
        for c in choices:
            labels = (_text(c.label.values.get(code)) for code in languages)
            rows.append([list_name, c.name, *labels])
    workbook.add_worksheet("labels").write_rows(0, 0, rows)


def _lists(layout: ExportPlan) -> dict[str, tuple[Choice, ...]]:
    """Each choice list the questions use, by its name (a list shared by questions once)."""
    lists: dict[str, tuple[Choice, ...]] = {}
    for q in layout.every_question():
        if q.type.is_select:
            lists.setdefault(q.list_name or q.name, q.choices)
    return lists
