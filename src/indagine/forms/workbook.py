"""An XLSForm as its sheets' rows, to change and to write back as an .xlsx (or a .zip of one and
its images): what the editor edits and `forms export` writes.

Read through pyxform's own readers (any .xlsx, .xls, .csv or .md the loader takes), so a row here
is the row pyxform reads; written with openpyxl. What a workbook holds is exactly what an XLSForm
can: the editor offers nothing more, and a written workbook loads back as the same questionnaire
(tests/forms/test_workbook.py runs every form of the corpus both ways).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from openpyxl import Workbook as XlsxBook
from openpyxl.cell import WriteOnlyCell
from pyxform.xls2json_backends import get_xlsform

from indagine.forms import media
from indagine.forms.headers import duplicate_columns
from indagine.forms.loader import SUFFIXES

# The sheets pyxform reads, in the order a written workbook has them.
SHEETS = ("survey", "choices", "settings", "external_choices", "entities", "osm")


@dataclass
class Sheet:
    """A sheet's headers in their order and its rows (a column's empty cells left out)."""

    columns: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)

    def add_column(self, column: str, after: str | None = None) -> None:
        """Add a header (after `after`'s when it is one, else at the end) unless present."""
        if column in self.columns:
            return
        at = self.columns.index(after) + 1 if after in self.columns else len(self.columns)
        self.columns.insert(at, column)


@dataclass
class Workbook:
    """The sheets of an XLSForm by name, with the images a .zip shipped beside it."""

    sheets: dict[str, Sheet]
    name: str  # the file's stem: the form's name when its settings give no form_id
    files: Mapping[str, bytes] = field(default_factory=dict)

    def sheet(self, name: str) -> Sheet:
        """The sheet `name`, made empty if the workbook has none."""
        return self.sheets.setdefault(name, Sheet())

    @property
    def settings(self) -> dict[str, str]:
        """The settings sheet's one row (made if missing)."""
        settings = self.sheet("settings")
        if not settings.rows:
            settings.rows.append({})
        return settings.rows[0]

    def set_setting(self, column: str, value: str) -> None:
        settings = self.settings
        if value:
            self.sheet("settings").add_column(column)
            settings[column] = value
        else:
            settings.pop(column, None)


class Unreadable(ValueError):
    """The source is not a workbook pyxform can read (the loader says why, at its cell)."""


def read(source: bytes, filename: str) -> Workbook:
    """The rows of an XLSForm the loader accepts (any of its formats, or a .zip with images)."""
    files: Mapping[str, bytes] = {}
    if Path(filename).suffix.lower() == ".zip":
        unpacked = media.unpack(source, SUFFIXES)
        if isinstance(unpacked, str):
            raise Unreadable(unpacked)
        filename, source, files = unpacked.name, unpacked.form, unpacked.files
    kind = SUFFIXES.get(Path(filename).suffix.lower())
    if kind is None:
        raise Unreadable(f"'{filename}' is not an XLSForm.")
    if duplicate_columns(source, kind):
        raise Unreadable("A header is written twice on a sheet.")
    try:
        data = get_xlsform(source, file_type=kind)
    except Exception as exc:  # pyxform's readers raise many kinds for bad files
        raise Unreadable(str(exc)) from exc
    sheets: dict[str, Sheet] = {}
    for name in SHEETS:
        rows = getattr(data, name, None)
        if rows is None:
            continue
        columns: list[str] = []
        for header in getattr(data, f"{name}_header", None) or []:
            columns.extend(c for c in header if c not in columns)
        kept = [{str(k): _text(v) for k, v in row.items() if _text(v)} for row in rows]
        for row in kept:
            columns.extend(c for c in row if c not in columns)
        sheets[name] = Sheet(columns, kept)
    return Workbook(sheets, Path(filename).stem, dict(files))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def to_xlsx(workbook: Workbook) -> bytes:
    """The workbook as an .xlsx file, every cell a string as written."""
    book = XlsxBook(write_only=True)
    for name in SHEETS:
        sheet = workbook.sheets.get(name)
        if sheet is None or (not sheet.rows and name != "survey"):
            continue
        target = book.create_sheet(name)
        target.append(sheet.columns)
        for row in sheet.rows:
            target.append([_cell(target, row.get(column, "")) for column in sheet.columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(sheet: Any, value: str) -> WriteOnlyCell | None:
    """A string cell: openpyxl takes a text beginning with '=' for a formula, which a label or
    an expression ('= 3' after a comparison is typed first) must never become."""
    if not value:
        return None
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell


def to_source(workbook: Workbook) -> tuple[bytes, str]:
    """The file to store or download and its name: the .xlsx, or a .zip of it and its images."""
    xlsx = to_xlsx(workbook)
    name = f"{workbook.name}.xlsx"
    if not workbook.files:
        return xlsx, name
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, xlsx)
        for file_name, content in sorted(workbook.files.items()):
            archive.writestr(str(PurePosixPath("media") / file_name), content)
    return out.getvalue(), f"{workbook.name}.zip"
