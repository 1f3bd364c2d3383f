"""What a form asks for that indagine's pages do not do: each at its cell, as a warning that says
what respondents see instead (FORM_NOT_HONOURED), so nothing a sheet says is silently ignored.

Appearances are read as written in the sheet: pyxform rewrites them in a table-list group (the
group becomes a field-list, its questions 'list-nolabel'); a table-list group is drawn as a grid
(`grids`), and each of its questions that cannot be a row is said here.
"""

from __future__ import annotations

import re

from pyxform.xls2json_backends import DefinitionData

from indagine.forms import accept, grids
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.model import Form, Question, QuestionType
from indagine.forms.sheets import column_names, letter_of

# What respondents see of each type, and the appearances that change it (collect/pages.py).
_SHOWN = {
    QuestionType.SELECT_ONE: "the choices as radio buttons",
    QuestionType.SELECT_MULTIPLE: "the choices as check boxes",
    QuestionType.INTEGER: "a box to type a number in",
    QuestionType.DECIMAL: "a box to type a number in",
    QuestionType.RANGE: "a box to type a number in",
    QuestionType.TEXT: "a one-line text box",
    QuestionType.DATE: "a date box",
    QuestionType.TIME: "a time box",
    QuestionType.DATETIME: "a date and time box",
    QuestionType.NOTE: "the note as text",
    QuestionType.CALCULATE: "nothing: a calculation is not shown",
    QuestionType.PHONE: "a box to type a phone number in",
    QuestionType.ACKNOWLEDGE: "one box to tick",
    QuestionType.RANK: "a position to choose for each choice",
    QuestionType.FILE: "a box to choose a file",
    QuestionType.IMAGE: "a box to choose an image",
    QuestionType.HIDDEN: "nothing: a hidden question is not shown",
    QuestionType.START: "nothing: the time is recorded",
    QuestionType.END: "nothing: the time is recorded",
    QuestionType.TODAY: "nothing: the day is recorded",
}
_HONOURED = {
    QuestionType.SELECT_ONE: {"minimal": "a drop-down list of the choices", "likert": ""},
    QuestionType.SELECT_MULTIPLE: {"likert": ""},
    QuestionType.TEXT: {"multiline": "a text box of several lines"},
}
_PARAMETERS = {QuestionType.RANGE: {"start", "end", "step"}}
_GRID = "the question is shown on its own, not as a row of a grid"
_GRID_APPEARANCES = {"label", "list-nolabel", "list"}
_PAIR = re.compile(r"([^\s=,;]+)\s*=\s*([^\s=,;]+)")  # key=value, as pyxform's grammar reads it
_GROUP = re.compile(r"^begin[ _]group$", re.IGNORECASE)

# Columns pyxform reads that change what respondents see: what they see instead.
_MEDIA = {"image", "big-image", "audio", "video"}
_TEXT_ALONE = "respondents see the text alone"
_COLUMNS = {  # each a template of the warning, with the cell's {value}
    "audio": "The audio '{value}' is not played: " + _TEXT_ALONE + ".",
    "video": "The video '{value}' is not shown: " + _TEXT_ALONE + ".",
    "guidance_hint": "The guidance hint '{value}' is not shown: respondents see label and hint.",
    "autoplay": "autoplay '{value}' is not honoured: nothing is played.",
    "rows": "rows '{value}' is not honoured: the text box has its usual height.",
    "trigger": "trigger '{value}' is not honoured: the calculation follows every change.",
}
# Columns for other clients (SMS, ODK's XML): the form behaves as if they were empty (but
# body::accept, what an upload takes: `forms.accept`).
_OTHER_CLIENTS = re.compile(
    r"^(body::(?!accept$)|bind::|instance::)|^(sms_\w+|compact_tag|noapperrorstring|no_app_error_string"
    r"|save_to)$",
    re.IGNORECASE,
)


def check_honoured(form: Form, workbook: DefinitionData) -> list[FormIssue]:
    """A warning at each appearance, parameter and column the pages do not honour."""
    rows: list[dict[str, str]] = list(workbook.survey or [])
    issues = [*_groups(rows, workbook)]
    for question in form.questions():
        if question.row is not None:
            issues += _appearances(question, rows[question.row - 2], workbook)
            issues += _parameters(question, rows[question.row - 2], workbook)
            issues += _accepts(question, workbook)
    for page in form.pages:
        for question in grids.off_grid(page.questions):
            if question.row is not None:
                text = (
                    "This question of a table-list group is not drawn as a row of its grid "
                    f"(a grid's rows are selects of one list, not filtered): respondents see "
                    f"{_shown(question)}, on its own."
                )
                issues.append(_warning(workbook, "survey", question.row, "type", text))
    issues += _columns(workbook, "survey")
    return sorted(issues, key=lambda i: i.row or 0) + _columns(workbook, "choices")


def _warning(workbook: DefinitionData, sheet: str, row: int, column: str, text: str) -> FormIssue:
    letter = letter_of(workbook, sheet, column)
    return FormIssue(FormCode.NOT_HONOURED, text, Severity.WARNING, sheet, row, column, letter)


def _shown(question: Question) -> str:
    """What respondents see of `question`, with the appearances that are honoured."""
    honoured = _HONOURED.get(question.type, {})
    for word in question.appearance.split():
        if honoured.get(word):
            return honoured[word]
    return _SHOWN[question.type]


def _appearances(
    question: Question, row: dict[str, str], workbook: DefinitionData
) -> list[FormIssue]:
    issues = []
    honoured = _HONOURED.get(question.type, {})
    for word in str(row.get("appearance") or "").split():
        if word in honoured:
            continue
        instead = _GRID if word in _GRID_APPEARANCES else f"respondents see {_shown(question)}"
        text = f"The appearance '{word}' is not honoured: {instead}."
        issues.append(_warning(workbook, "survey", question.row or 0, "appearance", text))
    return issues


def _groups(rows: list[dict[str, str]], workbook: DefinitionData) -> list[FormIssue]:
    issues = []
    for number, row in enumerate(rows, start=2):
        if not _GROUP.match(str(row.get("type") or "").strip()):
            continue
        for word in str(row.get("appearance") or "").split():
            if word in ("field-list", "table-list"):
                continue  # a group's questions are on one page anyway; a table-list a grid
            instead = "its questions are shown one below the other, as in any group"
            text = f"The appearance '{word}' of a group is not honoured: {instead}."
            issues.append(_warning(workbook, "survey", number, "appearance", text))
    return issues


def _parameters(
    question: Question, row: dict[str, str], workbook: DefinitionData
) -> list[FormIssue]:
    issues = []
    honoured = _PARAMETERS.get(question.type, set())
    pairs = [
        (m.group(1).lower(), m.group(2), m.group(0))
        for m in _PAIR.finditer(str(row.get("parameters") or ""))
    ]
    keys = {key for key, _, _ in pairs}
    for key, value, written in pairs:
        if key in honoured or (key == "randomize" and value.lower() != "true"):
            continue
        if key == "randomize" and question.is_randomized:
            continue  # each respondent's own order (collect/orders.py)
        if key == "seed" and question.is_randomized and question.fixed_seed is not None:
            continue  # one order, the seed's, for everyone
        if key == "seed" and "randomize" in keys and not question.is_randomized:
            continue  # said with randomize's warning
        if key == "randomize" and question.table:
            instead = "in a grid's row the choices are its columns, in the sheet's order"
        elif key == "randomize":
            instead = "choices are shown in the sheet's order"
        elif key == "seed" and question.is_randomized:
            instead = "each respondent sees an order of their own, drawn once and kept"
        else:
            instead = f"respondents see {_shown(question)}"
        text = f"The parameter '{written}' is not honoured: {instead}."
        issues.append(_warning(workbook, "survey", question.row or 0, "parameters", text))
    return issues


def _accepts(question: Question, workbook: DefinitionData) -> list[FormIssue]:
    """An upload's `body::accept` naming files no content shows (".csv"): refused."""
    unknown = accept.unjudged(question) if question.type.is_upload else []
    if not unknown:
        return []
    text = (
        f"The file types {', '.join(repr(u) for u in unknown)} cannot be told by a file's "
        f"content, so such files are refused: respondents can send "
        f"{accept.accepted(question).describe()}."
    )
    return [_warning(workbook, "survey", question.row or 0, "body::accept", text)]


def _columns(workbook: DefinitionData, sheet: str) -> list[FormIssue]:
    """Each filled cell of a media column, and of the other columns no page uses."""
    issues = []
    for column in column_names(workbook, sheet):
        template = _template(column, media_only=sheet == "choices")
        if template is None:
            continue
        for number, row in enumerate(getattr(workbook, sheet, None) or [], start=2):
            value = str(row.get(column) or "").strip()
            if value:
                text = template.format(value=value, column=column)
                issues.append(_warning(workbook, sheet, number, column, text))
    return issues


def _template(column: str, media_only: bool) -> str | None:
    """The warning for a cell of `column`; None for a column honoured (on the choices sheet,
    any column but media is one a choice_filter may name)."""
    parts = [p.strip().lower() for p in column.split("::")]
    if parts[0] == "media" and len(parts) > 1:
        parts = parts[1:]
    if media_only and parts[0] not in _MEDIA:
        return None
    if not media_only and _OTHER_CLIENTS.search(column.strip()):
        return "The column '{column}' has no effect here: the form behaves as if it were empty."
    return _COLUMNS.get(parts[0])
