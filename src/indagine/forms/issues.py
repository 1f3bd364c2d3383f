"""Problems found in a questionnaire, each with a stable code and the cell a person must fix."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


class FormCode(enum.StrEnum):
    """Stable codes of form problems; tests and callers match these, never the wording."""

    UNREADABLE = "FORM_UNREADABLE"  # not an .xlsx/.xls/.csv/.md XLSForm at all
    TOO_LARGE = "FORM_TOO_LARGE"
    PYXFORM = "FORM_PYXFORM"  # pyxform refused the sheet; its message is passed on
    UNSUPPORTED_TYPE = "FORM_UNSUPPORTED_TYPE"  # geo, media, from-file selects, nested repeats
    EXTERNAL_CHOICES = "FORM_EXTERNAL_CHOICES"
    BAD_EXPRESSION = "FORM_BAD_EXPRESSION"
    UNKNOWN_REFERENCE = "FORM_UNKNOWN_REFERENCE"
    CYCLE = "FORM_CYCLE"  # relevance or calculations that depend on themselves
    BAD_SCORE = "FORM_BAD_SCORE"
    BAD_RANGE = "FORM_BAD_RANGE"
    NO_QUESTIONS = "FORM_NO_QUESTIONS"
    PYXFORM_WARNING = "FORM_PYXFORM_WARNING"
    METADATA_IGNORED = "FORM_METADATA_IGNORED"
    LANGUAGE_NOT_OFFERED = "FORM_LANGUAGE_NOT_OFFERED"  # labels in a language with no code
    # labels in a language indagine has no page words in: those words are in English
    LANGUAGE_WITHOUT_WORDS = "FORM_LANGUAGE_WITHOUT_WORDS"
    UNSUPPORTED_COLUMN = "FORM_UNSUPPORTED_COLUMN"  # read_only; a calculation on a question
    BAD_DEFAULT = "FORM_BAD_DEFAULT"  # not an answer the question accepts, or an expression
    DUPLICATE_COLUMN = "FORM_DUPLICATE_COLUMN"  # a header written twice on a sheet
    NO_LABEL = "FORM_NO_LABEL"  # a choice with no label in any language
    NOT_HONOURED = "FORM_NOT_HONOURED"  # an appearance, parameter or media shown otherwise


@dataclass(frozen=True)
class FormIssue:
    code: FormCode
    message: str
    severity: Severity = Severity.ERROR
    sheet: str | None = None
    row: int | None = None
    column: str | None = None  # the column's header, e.g. "relevant"
    column_letter: str | None = None  # the spreadsheet column, e.g. "F"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def where(self) -> str:
        """'survey!F12 (relevant)': the place in the workbook, for people."""
        if self.sheet is None:
            return ""
        cell = f"{self.column_letter or ''}{self.row or ''}"
        place = f"{self.sheet}!{cell}" if cell else self.sheet
        return f"{place} ({self.column})" if self.column else place

    def __str__(self) -> str:
        where = f" [{self.where}]" if self.where else ""
        return f"{self.severity.value} {self.code.value}{where}: {self.message}"


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
