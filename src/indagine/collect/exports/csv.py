"""Responses as CSV in ODK Central's layout: codes (select_multiple as space-separated codes),
or with `labels` the choices' labels in the export's language (select_multiple joined by "; ").

A form with repeats gives a zip, as Central's `submissions.csv.zip`: `<formId>.csv` (the
responses, without the repeats' questions) and `<formId>-<repeat>.csv` per repeat, one row per
instance, its questions then PARENT_KEY and KEY (`exports.tables`)."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.layout import REPEAT_TAIL, ExportPlan, Record, Table
from indagine.collect.exports.tables import write_tables
from indagine.collect.transfer import _cell
from indagine.forms.model import Question

CSV_TAIL = ("meta-instanceID", "KEY", "Status", "FormVersion", "Language")


def write_csv(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """ODK Central's layout; codes, or labels in `layout.lang`."""
    cell = label_cell(layout) if labels else code_cell

    def opener(table: Table, file: Path, stack: contextlib.ExitStack) -> _CsvTable:
        return _CsvTable(table, file, stack, cell)

    return write_tables(layout, chunks, path, "csv", opener)


class _CsvTable:
    """One CSV file: its header, then the rows of each chunk as they come."""

    def __init__(
        self,
        table: Table,
        path: Path,
        stack: contextlib.ExitStack,
        cell: Callable[[Any, Question], str],
    ) -> None:
        self.handle = stack.enter_context(path.open("w", newline="", encoding="utf-8"))
        self.writer = csv.writer(self.handle)
        self.questions, self.main, self.cell = table.questions, table.repeat is None, cell
        columns = [table.column(q) for q in table.questions]
        if self.main:
            self.writer.writerow(["SubmissionDate", *columns, *CSV_TAIL])
        else:
            self.writer.writerow([*columns, *REPEAT_TAIL])

    def write(self, rows: list[Record]) -> None:
        cell, questions = self.cell, self.questions
        if self.main:
            self.writer.writerows(
                [
                    r.submitted.isoformat(),
                    *(cell(r.answers.get(q.name), q) for q in questions),
                    r.key,
                    r.key,
                    r.status,
                    r.version,
                    r.language,
                ]
                for r in rows
            )
        else:
            self.writer.writerows(
                [*(cell(r.answers.get(q.name), q) for q in questions), r.parent, r.key]
                for r in rows
            )

    def finish(self) -> None:
        self.handle.close()


def code_cell(value: Any, question: Question) -> str:
    """The answer's cell as `transfer.export_csv` writes it: codes."""
    return _cell(value)


def label_cell(layout: ExportPlan) -> Callable[[Any, Question], str]:
    """A cell writer giving choices as their labels in `layout.lang`, other answers as codes."""

    def cell(value: Any, question: Question) -> str:
        if value is None or not question.type.is_select:
            return _cell(value)
        if isinstance(value, list):
            return "; ".join(layout.choice_label(question, str(v)) for v in value)
        return layout.choice_label(question, str(value))

    return cell
