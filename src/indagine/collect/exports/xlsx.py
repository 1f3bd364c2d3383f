"""Responses as an Excel workbook, written row by row: a `data` sheet as the CSV (numbers as
numbers, dates and times as Excel dates, UTC; past Excel's 1,048,576 rows it goes on in `data_2`,
...), a `variables` sheet (column, type, choice list, question label per language) and a `labels`
sheet (list, code, label per language)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.csv import CSV_TAIL, label_cell
from indagine.collect.exports.layout import ExportPlan, Record
from indagine.collect.exports.values import DATES, NUMBERS, as_date, naive_utc
from indagine.collect.transfer import _cell
from indagine.forms.model import Choice, Question

XLSX_MAX_ROWS = 1_048_576


def write_xlsx(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """Write-only workbook: `data` (as the CSV), `variables` and `labels` sheets."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    header = ["SubmissionDate", *(q.path_name for q in layout.questions), *CSV_TAIL]
    sheet, rows, sheets = workbook.create_sheet("data"), 1, 1
    sheet.append(header)
    convert = _converter(layout, labels)
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
    _write_dictionary(workbook, layout)
    workbook.save(path)
    return count


def _text(sheet: Any, value: str | None) -> Any:
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


def _converter(layout: ExportPlan, labels: bool) -> Callable[[Any, Record], list[Any]]:
    """A function turning a Record into the `data` sheet's row of typed cells."""
    label = label_cell(layout)
    text = _text

    def value(sheet: Any, raw: Any, question: Question) -> Any:
        if raw is None:
            return None
        kind = question.type
        if kind.is_select:
            return text(sheet, label(raw, question) if labels else _cell(raw))
        if kind in NUMBERS and isinstance(raw, int | float) and not isinstance(raw, bool):
            return raw
        if kind in DATES and (day := as_date(raw)) is not None:
            return day
        return text(sheet, _cell(raw))

    def convert(sheet: Any, r: Record) -> list[Any]:
        return [
            naive_utc(r.submitted),
            *(value(sheet, r.answers.get(q.name), q) for q in layout.questions),
            r.key,
            r.key,
            r.status,
            r.version,
            text(sheet, r.language),
        ]

    return convert


def _write_dictionary(workbook: Any, layout: ExportPlan) -> None:
    """The `variables` and `labels` sheets: each column's type and labels, each list's choices."""
    languages = layout.languages()
    variables = workbook.create_sheet("variables")
    variables.append(["column", "type", "list", *(f"label::{code}" for code in languages)])
    variables.append(["SubmissionDate", "datetime (UTC)", None])
    for q in layout.questions:
        labels = (_text(variables, q.label.values.get(c)) for c in languages)
        variables.append([q.path_name, q.type.value, q.list_name, *labels])
    for column, kind in zip(CSV_TAIL, ("text", "text", "text", "integer", "text"), strict=True):
        variables.append([column, kind, None])
    sheet = workbook.create_sheet("labels")
    sheet.append(["list", "code", *(f"label::{code}" for code in languages)])
    for list_name, choices in _lists(layout).items():
        for c in choices:
            labels = (_text(sheet, c.label.values.get(code)) for code in languages)
            sheet.append([list_name, c.name, *labels])


def _lists(layout: ExportPlan) -> dict[str, tuple[Choice, ...]]:
    """Each choice list the questions use, by its name (a list shared by questions once)."""
    lists: dict[str, tuple[Choice, ...]] = {}
    for q in layout.questions:
        if q.type.is_select:
            lists.setdefault(q.list_name or q.name, q.choices)
    return lists
