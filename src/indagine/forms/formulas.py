"""The form's formulas (relevant, constraint, calculation, choice_filter, required, default),
checked before any page runs them: each parses, names only questions of the form (or columns of
the choices sheet), leans on no loop of questions, and a default is a plain answer.
"""

from __future__ import annotations

from indagine.forms.answers import InvalidAnswer, parse_value
from indagine.forms.expressions import Expression, ExpressionError, parse_expression
from indagine.forms.issues import FormCode, FormIssue
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Form, QuestionType
from indagine.forms.sheets import SurveySheet, column_names
from indagine.forms.tree import FALSE, TRUE

_EXPRESSION_COLUMNS = (
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "required",
    "repeat_count",
)

# The columns whose value depends on the questions they name, when the form is filled in: a
# question that applies only if another applies only if the first does can never be shown.
_DEPENDING_COLUMNS = ("relevant", "calculation", "required")


def check_expressions(names: set[str], sheet: SurveySheet) -> list[FormIssue]:
    """Every expression of the survey sheet's rows: it parses, names only `names`, no loops."""
    issues: list[FormIssue] = []
    choice_columns = set(column_names(sheet.workbook, "choices"))
    depends: dict[str, dict[str, str]] = {}  # name -> {name it depends on: the column}
    for at, row in sheet.numbered():
        name = str(row.get("name", ""))
        for column in _EXPRESSION_COLUMNS:
            text = str(row.get(column) or "").strip()
            if not text or (column == "required" and text.lower() in TRUE | FALSE):
                continue
            allowed = choice_columns if column == "choice_filter" else set()
            problems, expression = _expression_problems(text, column, names, allowed)
            issues += [sheet.at(code, message, at, column) for code, message in problems]
            if expression is not None and column in _DEPENDING_COLUMNS and name:
                for ref in expression.references() & names:
                    depends.setdefault(name, {}).setdefault(ref, column)
    return issues + _check_cycles(depends, sheet)


def _expression_problems(
    text: str, column: str, names: set[str], allowed: set[str]
) -> tuple[list[tuple[FormCode, str]], Expression | None]:
    """What is wrong with the expression `text` of `column`, and the expression if it parses."""
    try:
        expression = parse_expression(text)
    except ExpressionError as exc:
        return [(FormCode.BAD_EXPRESSION, f"{exc.code}: {exc.message}")], None
    problems = [
        (FormCode.UNKNOWN_REFERENCE, f"'${{{ref}}}' names no question of the form.")
        for ref in sorted(expression.references() - names)
    ]
    problems += [  # "age > 18" for "${age} > 18"; a choice_filter's typo
        (
            FormCode.BAD_EXPRESSION,
            f"'{bare}' names no column of the choices sheet."
            if column == "choice_filter"
            else f"'{bare}' is a bare name: write ${{{bare}}} for a question.",
        )
        for bare in sorted(expression.bare_names() - allowed)
    ]
    return problems, expression


def check_defaults(form: Form, sheet: SurveySheet) -> list[FormIssue]:
    """A default must be a plain answer the question accepts: pyxform passes 'today()' or
    '${a} + 1' through (ODK's dynamic defaults, which pages here do not compute), and they
    were shown as literal text the respondent then could not send."""
    issues = []
    for q in form.questions():
        if not q.default or not q.type.takes_input:
            continue
        dynamic = "${" in q.default or (q.type is not QuestionType.TEXT and "(" in q.default)
        try:
            if dynamic:
                raise InvalidAnswer(AnswerCode.CONSTRAINT)
            parse_value(q, [q.default])
        except InvalidAnswer:
            why = (
                "is an expression: defaults computed from other answers or the date are not "
                "supported, use a plain value or leave it empty"
                if dynamic
                else "is not an answer this question accepts"
            )
            text = f"The default '{q.default}' {why}."
            issues.append(sheet.issue(FormCode.BAD_DEFAULT, text, q.name, "default"))
    return issues


def check_generated(form: Form, sheet: SurveySheet) -> list[FormIssue]:
    """The expressions of questions pyxform adds itself (the 'specify' text of or_other), which
    no row of the sheet holds: checked too, or a form that passed could fail on its page."""
    issues = []
    for q in form.questions():
        if q.name in sheet.row_of:
            continue
        for text in (q.relevant, q.calculation):
            try:
                if text:
                    parse_expression(text)
            except ExpressionError as exc:
                message = f"{exc.code}: {exc.message} (in '{q.name}', added by pyxform)"
                issues.append(FormIssue(FormCode.BAD_EXPRESSION, message, sheet="survey"))
    return issues


def _check_cycles(depends: dict[str, dict[str, str]], sheet: SurveySheet) -> list[FormIssue]:
    """One FORM_CYCLE for each loop of questions whose relevance, calculation or `required`
    depend on each other (`a` relevant if `${b}`, `b` relevant if `${a}`; a calculation that
    names itself): pyxform lets them through, and no page of such a form could be shown.
    A depth-first search (graphlib's would stop at the first loop)."""
    issues: list[FormIssue] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        path.append(name)
        for ref in sorted(depends.get(name, {})):
            if state.get(ref) == 1:
                loop = path[path.index(ref) :]
                column = depends[loop[-1]][ref]
                shown = " → ".join(f"${{{n}}}" for n in [*loop, ref])
                issues.append(
                    sheet.issue(
                        FormCode.CYCLE, f"These depend on each other: {shown}.", loop[-1], column
                    )
                )
            elif ref not in state:
                visit(ref)
        path.pop()
        state[name] = 2

    for name in sorted(depends):
        if name not in state:
            visit(name)
    return issues
