"""The sheets of a workbook as pyxform reads them: where each row and column sits, so that a
problem points at the cell a person must fix."""

from __future__ import annotations

from pyxform.xls2json_backends import DefinitionData

from indagine.forms.issues import FormCode, FormIssue, Severity, column_letter


def column_names(workbook: DefinitionData | None, sheet: str) -> list[str]:
    """The headers of `sheet` in their order ('survey', 'choices', 'settings')."""
    names: list[str] = []
    for entry in getattr(workbook, f"{sheet}_header", None) or []:
        names.extend(entry.keys())
    return names


def letter_of(workbook: DefinitionData | None, sheet: str, column: str) -> str | None:
    """The spreadsheet letter of `column` on `sheet`, if the sheet has that header."""
    names = column_names(workbook, sheet)
    return column_letter(names.index(column)) if column in names else None


class SurveySheet:
    """The raw survey sheet: where each name sits, so problems point at a row and column."""

    def __init__(self, workbook: DefinitionData) -> None:
        self.workbook = workbook
        self.rows: list[dict[str, str]] = list(workbook.survey or [])
        self.headers = column_names(workbook, "survey")
        self.row_of = {str(r["name"]): i + 2 for i, r in enumerate(self.rows) if r.get("name")}

    def letter(self, column: str) -> str | None:
        return column_letter(self.headers.index(column)) if column in self.headers else None

    def issue(
        self,
        code: FormCode,
        message: str,
        name: str | None,
        column: str | None,
        severity: Severity = Severity.ERROR,
    ) -> FormIssue:
        """A problem at the row of the question `name` (its last row, if written twice)."""
        return self.at(code, message, self.row_of.get(name) if name else None, column, severity)

    def at(
        self,
        code: FormCode,
        message: str,
        row: int | None,
        column: str | None,
        severity: Severity = Severity.ERROR,
    ) -> FormIssue:
        """A problem at sheet row `row` (1 is the headers) and `column`."""
        letter = self.letter(column) if column else None
        return FormIssue(code, message, severity, "survey", row, column, letter)

    def numbered(self) -> list[tuple[int, dict[str, str]]]:
        """Each row with its number on the sheet."""
        return list(enumerate(self.rows, start=2))
