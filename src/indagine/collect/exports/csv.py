"""Responses as CSV in ODK Central's layout: codes (select_multiple as space-separated codes),
or with `labels` the choices' labels in the export's language (select_multiple joined by "; ")."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from indagine.collect.exports.layout import ExportPlan, Record
from indagine.collect.transfer import _cell
from indagine.forms.model import Question

CSV_TAIL = ("meta-instanceID", "KEY", "Status", "FormVersion", "Language")


def write_csv(
    layout: ExportPlan, chunks: Iterable[list[Record]], path: Path, *, labels: bool = False
) -> int:
    """ODK Central's layout; codes, or labels in `layout.lang`."""
    cell = label_cell(layout) if labels else code_cell
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
