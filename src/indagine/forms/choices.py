"""Checks of the choices sheet that need no parsed form: each row once, used by a question or
not, so they run whether pyxform accepts the form or not."""

from __future__ import annotations

import math

from pyxform.xls2json_backends import DefinitionData

from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.sheets import column_names, letter_of


def number(text: str) -> float | None:
    """`text` as a finite number, or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_choices(workbook: DefinitionData) -> list[FormIssue]:
    """Every non-numeric `score`, and every choice with no label in any language (it would be
    drawn as an empty option), at its row of the choices sheet."""
    issues: list[FormIssue] = []
    headers = column_names(workbook, "choices")
    labels = [h for h in headers if h.split("::")[0].strip().lower() in ("label", "caption")]
    for row, choice in enumerate(workbook.choices or [], start=2):
        where = f"choice '{choice.get('name')}' (list '{choice.get('list_name')}')"
        score = str(choice.get("score") or "").strip()
        if score and number(score) is None:
            issues.append(
                FormIssue(
                    FormCode.BAD_SCORE,
                    f"The score '{score}' of {where} is not a number.",
                    Severity.ERROR,
                    "choices",
                    row,
                    "score",
                    letter_of(workbook, "choices", "score"),
                )
            )
        if choice.get("name") and not any(str(choice.get(h) or "").strip() for h in labels):
            column = labels[0] if labels else "label"
            issues.append(
                FormIssue(
                    FormCode.NO_LABEL,
                    f"The {where} has no label in any language: respondents would see an "
                    "empty option. Write its label.",
                    Severity.ERROR,
                    "choices",
                    row,
                    column,
                    letter_of(workbook, "choices", column),
                )
            )
    return issues
