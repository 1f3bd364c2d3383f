"""The header row of each sheet, read from the file itself.

A header written twice on a sheet is never what its author meant, and pyxform handles it badly:
it refuses an .xlsx or .xls as a whole ("Duplicate column header", which reads as a damaged
file), and keeps only the last of the two columns of a .md or .csv without a word. The headers
are read here as pyxform's readers read them (sheets it reads, whitespace trimmed).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from pyxform.constants import SUPPORTED_SHEET_NAMES
from pyxform.xls2json_backends import _md_table_to_ss_structure

from indagine.forms.issues import FormCode, FormIssue, Severity, column_letter

_SPACES = re.compile(r"\s+")


def duplicate_columns(data: bytes, kind: str) -> list[FormIssue]:
    """One FORM_DUPLICATE_COLUMN at the second header of each name written twice on a sheet."""
    try:
        sheets = _header_rows(data, kind)
    except Exception:  # an unreadable file: pyxform's reader says so next
        return []
    issues = []
    for sheet, cells in _read_by_pyxform(sheets).items():
        seen: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = _SPACES.sub(" ", str(cell if cell is not None else "").strip())
            if not name:
                continue
            if name in seen:
                first, second = column_letter(seen[name]), column_letter(index)
                issues.append(
                    FormIssue(
                        FormCode.DUPLICATE_COLUMN,
                        f"The column header '{name}' is written twice on the '{sheet}' sheet "
                        f"(columns {first} and {second}): only one of them would be read. "
                        "Remove one, or give it its own name.",
                        Severity.ERROR,
                        sheet,
                        1,
                        name,
                        second,
                    )
                )
            seen.setdefault(name, index)
    return issues


def _read_by_pyxform(sheets: dict[str, list[object]]) -> dict[str, list[object]]:
    """The sheets pyxform reads, by their lower-case names (a lone sheet is the survey)."""
    if len(sheets) == 1:
        return {"survey": next(iter(sheets.values()))}
    return {n.lower(): h for n, h in sheets.items() if n.lower() in SUPPORTED_SHEET_NAMES}


def _header_rows(data: bytes, kind: str) -> dict[str, list[object]]:
    """Sheet name as written -> the cells of its header row."""
    if kind == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return {
                sheet.title: list(next(sheet.iter_rows(max_row=1, values_only=True), ()))
                for sheet in book.worksheets
            }
        finally:
            book.close()
    if kind == ".xls":
        import xlrd

        xls = xlrd.open_workbook(file_contents=data, on_demand=True)
        return {s.name: list(s.row_values(0)) if s.nrows else [] for s in xls.sheets()}
    text = data.decode("utf-8")
    if kind == ".csv":
        return _csv_headers(csv.reader(io.StringIO(text, newline="")))
    tables = _md_table_to_ss_structure(text)
    return {str(name): list(rows[0]) if rows else [] for name, rows in tables.items() if name}


def _csv_headers(rows: Iterable[list[str]]) -> dict[str, list[object]]:
    """A sheet starts at a row with its name in the first column; its headers are the rest of
    that row or, if it is empty, of the next row with anything in it."""
    headers: dict[str, list[object]] = {}
    sheet: str | None = None
    for row in rows:
        name, content = (row[0].strip(), row[1:]) if row else ("", [])
        if name:
            sheet = name
        if sheet is not None and sheet not in headers and any(c.strip() for c in content):
            headers[sheet] = list(content)
    return headers
