"""XLSForm (.xlsx, .xls, .csv, .md) -> `Form`, through pyxform, with every problem located.

The pipeline: read the workbook (pyxform's backends), refuse what indagine cannot serve faithfully
(repeats, geo and media types, external choices), convert it to pyxform's JSON, build the frozen
`Form`, then check every expression, and warn of what the pages do not honour. Problems come back
in the result, never raised.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyxform import aliases
from pyxform.errors import PyXFormError
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.xls2json import RE_SELECT, workbook_to_json
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from indagine.forms.answers import InvalidAnswer, parse_value
from indagine.forms.choices import check_choices, number
from indagine.forms.expressions import Expression, ExpressionError, parse_expression
from indagine.forms.headers import duplicate_columns
from indagine.forms.honoured import check_honoured
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.messages import AnswerCode
from indagine.forms.model import Choice, Form, Page, Question, QuestionType, Text
from indagine.forms.sheets import SurveySheet, column_names, letter_of

MAX_FORM_BYTES = 10 * 1024 * 1024
SUFFIXES = {".xlsx": ".xlsx", ".xlsm": ".xlsx", ".xls": ".xls", ".csv": ".csv", ".md": ".md"}

_TYPES = {
    "string": QuestionType.TEXT,  # pyxform's aliases of supported types
    "int": QuestionType.INTEGER,
    "select one": QuestionType.SELECT_ONE,
    "select all that apply": QuestionType.SELECT_MULTIPLE,
    "integer": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "range": QuestionType.RANGE,
    "text": QuestionType.TEXT,
    "date": QuestionType.DATE,
    "note": QuestionType.NOTE,
    "calculate": QuestionType.CALCULATE,
    "phone number": QuestionType.PHONE,
    "acknowledge": QuestionType.ACKNOWLEDGE,
    "hidden": QuestionType.HIDDEN,
    "start": QuestionType.START,
    "end": QuestionType.END,
    "today": QuestionType.TODAY,
}
_METADATA = {
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "audit",
    "simserial",
    "subscriberid",
    "instanceID",
}
_UNSUPPORTED = re.compile(
    r"^(begin[ _]repeat|geopoint|geotrace|geoshape|start-geopoint|image|audio|video|file|barcode"
    r"|background-audio|time|datetime|dateTime|select[ _]one[ _]from[ _]file"
    r"|select[ _]multiple[ _]from[ _]file"
    r"|select_one_external|select one external|rank|trigger|xml-external"
    r"|csv-external|osm|begin[ _]loop)\b",
    re.IGNORECASE,
)
# What pyxform adds to a table-list group: a note with the group's label, and its header row
# (a select showing its choices without buttons).
_TABLE_LIST_HEADER = re.compile(
    r"^(reserved_name_for_field_list_labels|generated_table_list_label)_\d+$"
)
_EXPRESSION_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "required")
_TRUE = {"yes", "true", "true()", "1"}
_FALSE = {"no", "false", "false()", "0", ""}


@dataclass(frozen=True)
class LoadResult:
    form: Form | None
    issues: tuple[FormIssue, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[FormIssue, ...]:
        return tuple(i for i in self.issues if i.is_error)

    @property
    def warnings(self) -> tuple[FormIssue, ...]:
        return tuple(i for i in self.issues if not i.is_error)

    @property
    def ok(self) -> bool:
        return self.form is not None and not self.errors


def load_form(source: bytes | str | Path, filename: str | None = None) -> LoadResult:
    """Parse an XLSForm given as bytes (with its filename for the format), text or a path."""
    if isinstance(source, Path):
        filename = filename or source.name
        source = source.read_bytes()
    data = source.encode("utf-8") if isinstance(source, str) else source
    kind = SUFFIXES.get(Path(filename or "form.md").suffix.lower())
    if kind is None:
        return _fail(
            FormCode.UNREADABLE, f"'{filename}' is not an XLSForm: use .xlsx, .xls, .csv or .md."
        )
    if len(data) > MAX_FORM_BYTES:
        return _fail(FormCode.TOO_LARGE, f"The file is larger than {MAX_FORM_BYTES // 2**20} MB.")
    duplicated = duplicate_columns(data, kind)  # pyxform: "damaged" (.xlsx), or one kept (.md)
    if duplicated:
        return LoadResult(None, tuple(duplicated))
    try:
        # Always bytes: pyxform reads a str as a file path first, which must never happen to
        # uploaded content.
        workbook = get_xlsform(data, file_type=kind)
    except Exception as exc:  # pyxform's readers raise many kinds for bad files
        return _fail(FormCode.UNREADABLE, _unreadable(kind, data, exc))
    return _load_workbook(workbook, _form_name(Path(filename or "form").stem))


def _unreadable(kind: str, data: bytes, exc: Exception) -> str:
    """Why a file is no XLSForm, in the person's terms rather than the reader's exception."""
    if not data.strip():
        return "The file is empty."
    if kind in (".xlsx", ".xls"):
        return "The file is not a readable Excel workbook: it is damaged or in another format."
    if kind == ".csv":
        return (
            "The CSV cannot be read as an XLSForm: each sheet starts with a row naming it in "
            "the first column (survey, choices, settings), its headers on the next row."
        )
    return f"The file cannot be read as an XLSForm ({exc})."


def _form_name(stem: str) -> str:
    """The file's name as the form's XML name when the settings give none: pyxform refuses
    'Questionario club (1)' (FORM_PYXFORM, no cell), so spaces and signs become '_'."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", stem).strip("_")
    return name if name[:1].isalpha() else f"form_{name}".rstrip("_")


def _fail(code: FormCode, message: str) -> LoadResult:
    return LoadResult(None, (FormIssue(code, message),))


def _load_workbook(workbook: DefinitionData, fallback_name: str) -> LoadResult:
    sheet = SurveySheet(workbook)
    refused = _refuse_unsupported(sheet)
    warnings: list[str] = []
    try:
        tree = workbook_to_json(
            workbook,
            form_name=fallback_name or "form",
            fallback_form_name=fallback_name or "form",
            warnings=warnings,
        )
    except PyXFormError as exc:
        # pyxform stops at its first error: it comes with the types refused and with the checks
        # of our own that need no parsed form, so one round of fixes takes in every cell
        issue = _pyxform_issue(str(exc), getattr(exc, "context", None), workbook)
        caused = (issue.sheet, issue.row) in {(i.sheet, i.row) for i in refused} or bool(
            refused and "external_choices" in issue.message  # by a select_one_external
        )
        return _refused(sheet, refused if caused else [*refused, issue])
    if refused:
        return _refused(sheet, refused)
    builder = _FormBuilder(tree, sheet)
    form = builder.build()
    # start, end and today are the response's times, which no expression reads
    names = {q.name for q in form.questions() if not q.type.is_metadata}
    issues = [*builder.issues, *check_choices(workbook), *_check_expressions(names, sheet)]
    issues += _check_generated(form, sheet)
    issues += _check_defaults(form, sheet)
    issues += check_honoured(form, workbook)
    issues += _pyxform_warnings(warnings, workbook, issues)
    issues += _check_languages(form)
    if not any(True for q in form.questions() if q.type.takes_input):
        issues.append(
            FormIssue(FormCode.NO_QUESTIONS, "The form has no question to answer.", sheet="survey")
        )
    return LoadResult(form, tuple(issues))


def _refused(sheet: SurveySheet, first: list[FormIssue]) -> LoadResult:
    """No form: the problems found `first`, and every error of the checks that need no parsed
    form, except at the cells `first` names."""
    names = {str(r["name"]) for r in sheet.rows if r.get("name")}
    more = [*check_choices(sheet.workbook), *_check_expressions(names, sheet)]
    unknown = {(i.sheet, i.row, i.column) for i in more if i.code is FormCode.UNKNOWN_REFERENCE}
    first = [  # pyxform's unknown ${name}: ours says it with its own stable code
        i
        for i in first
        if i.code is not FormCode.PYXFORM
        or "Could not find the name" not in i.message
        or (i.sheet, i.row, i.column) not in unknown
    ]
    taken = {(i.sheet, i.row, i.column) for i in first if i.row is not None}
    return LoadResult(None, (*first, *(i for i in more if (i.sheet, i.row, i.column) not in taken)))


def _check_languages(form: Form) -> list[FormIssue]:
    return [
        FormIssue(
            FormCode.LANGUAGE_NOT_OFFERED,
            f"Respondents choose between Italian and English: the labels in '{written}' "
            "are shown only where a text has no Italian or English.",
            Severity.WARNING,
            "survey",
        )
        for code, written in form.languages.items()
        if code not in OFFERED_LANGUAGES and code != "und"
    ]


# pyxform's messages name the cell in their text more often than in their context.
_PYXFORM_CELL = re.compile(r"On the '(\w+)' sheet, the '([^']+)' value")
_PYXFORM_COLUMNS = (
    (re.compile(r"with no name", re.IGNORECASE), "name"),
    (re.compile(r"Missing calculation", re.IGNORECASE), "calculation"),
    (re.compile(r"Unmatched '(begin|end)[ _]", re.IGNORECASE), "type"),
    (re.compile(r"Unknown question type", re.IGNORECASE), "type"),
    (re.compile(r"List name not in choices sheet", re.IGNORECASE), "type"),
)


def _pyxform_issue(
    message: str,
    context: Mapping[str, Any] | None,
    workbook: DefinitionData,
    code: FormCode = FormCode.PYXFORM,
    severity: Severity = Severity.ERROR,
) -> FormIssue:
    """pyxform's error or warning, at the cell its context or its message names."""
    context = context or {}
    row = context.get("row")
    if row is None and (match := re.search(r"\[row ?: ?(\d+)\]", message)):
        row = int(match.group(1))
    sheet, column = context.get("sheet"), context.get("column")
    if (match := _PYXFORM_CELL.search(message)) is not None:
        sheet, column = sheet or match.group(1), column or match.group(2)
    column = column or next((c for pattern, c in _PYXFORM_COLUMNS if pattern.search(message)), None)
    sheet = sheet or ("survey" if row is not None else None)
    letter = letter_of(workbook, str(sheet), str(column)) if sheet and column else None
    return FormIssue(code, message, severity, sheet, row, column, letter)


def _pyxform_warnings(
    warnings: list[str], workbook: DefinitionData, ours: list[FormIssue]
) -> list[FormIssue]:
    """pyxform's warnings, each at its cell, but those one of `ours` already says there (a
    choice without a label)."""
    said = {(i.sheet, i.row, (i.column or "").split("::")[0]) for i in ours}
    issues = []
    for line in (w.strip() for warning in warnings for w in warning.split("\n")):
        issue = _pyxform_issue(line, None, workbook, FormCode.PYXFORM_WARNING, Severity.WARNING)
        if line and (issue.sheet, issue.row, issue.column) not in said:
            issues.append(issue if issue.sheet else replace(issue, sheet="survey"))
    return issues


_REFUSED_MESSAGE = (
    "The question type '{}' is not supported by indagine (repeats, locations, media, times and "
    "choices from files are not). Remove the row or change its type."
)
_OLD_NAME_MESSAGE = (
    "The question type '{}' is not supported by indagine: use text, integer, decimal, range, "
    "date, note, calculate, select_one or select_multiple."
)


def _refuse_unsupported(sheet: SurveySheet) -> list[FormIssue]:
    """Each row of a type indagine does not serve, and an external_choices sheet."""
    issues = []
    for row, cells in sheet.numbered():
        kind, name = str(cells.get("type", "")).strip(), str(cells.get("name", ""))
        if _UNSUPPORTED.match(kind) or _is_other_pyxform_type(kind, name):
            text = _REFUSED_MESSAGE if _UNSUPPORTED.match(kind) else _OLD_NAME_MESSAGE
            issues.append(sheet.at(FormCode.UNSUPPORTED_TYPE, text.format(kind), row, "type"))
    if getattr(sheet.workbook, "external_choices", None):
        issues.append(
            FormIssue(
                FormCode.EXTERNAL_CHOICES,
                "External choices are not supported: move the lists to the 'choices' sheet.",
                Severity.ERROR,
                "external_choices",
            )
        )
    return issues


def _is_other_pyxform_type(kind: str, name: str) -> bool:
    """A type pyxform reads that is none of indagine's, nor metadata: its old names ('gps',
    'q string', 'start time'). Found on the sheet, so listed even when pyxform refuses."""
    select = RE_SELECT.search(kind)
    if select is not None:
        kind = aliases.select[select.group("select_command")]
    kind = aliases._type_alias_map.get(kind, kind)
    if kind in _TYPES or kind in _METADATA or name in _METADATA:
        return False
    return kind in QUESTION_TYPE_DICT


# The languages the respondent's pages offer (the site's LANGUAGES; the pure core knows no
# Django settings).
OFFERED_LANGUAGES = frozenset({"it", "en"})

# Language names written without a code in brackets ("label::English"), as ISO codes.
_LANGUAGE_NAMES = {
    "english": "en",
    "inglese": "en",
    "italiano": "it",
    "italian": "it",
}


def _lang_code(name: str) -> str:
    match = re.search(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$", name)
    if match:
        return match.group(1).lower()
    return _LANGUAGE_NAMES.get(name.strip().lower(), name.strip().lower())


# pyxform writes the relevance of the question it adds for "or_other" as a path to its
# sibling ("selected(../pet, 'other')"): the same as ${pet} here, where names are unique.
_SIBLING = re.compile(r"(?<![\w./])\.\./([A-Za-z_][\w.-]*)")


def _expression(text: Any) -> str | None:
    if text is None:
        return None
    return _SIBLING.sub(r"${\1}", str(text))


class _FormBuilder:
    """pyxform's JSON tree -> frozen `Form`."""

    def __init__(self, tree: Mapping[str, Any], sheet: SurveySheet) -> None:
        self.tree = tree
        self.sheet = sheet
        self.issues: list[FormIssue] = []
        default = str(tree.get("default_language") or "default")
        self.default_code = "und" if default == "default" else _lang_code(default)
        self.languages: dict[str, str] = {}

    def text(self, value: Any) -> Text:
        if value is None:
            return Text()
        if isinstance(value, str):
            value = {"default": value}
        out = {}
        for lang, string in value.items():
            code = self.default_code if lang == "default" else _lang_code(lang)
            name = str(self.tree.get("default_language")) if lang == "default" else lang
            self.languages.setdefault(code, name)
            out[code] = str(string)
        return Text(out)

    def build(self) -> Form:
        pages: list[Page] = []
        for child in self.tree.get("children", []):
            if child.get("type") == "group":
                if child.get("control", {}).get("bodyless"):
                    continue  # pyxform's generated meta block
                questions = tuple(
                    self.questions(
                        child.get("children", []),
                        (child["name"],),
                        child.get("bind", {}).get("relevant"),
                    )
                )
                pages.append(Page(child["name"], self.text(_group_label(child)), questions))
            else:
                question = self.question(child, (), None)
                if question is not None:
                    pages.append(Page(question.name, Text(), (question,)))
        if not self.languages:
            self.languages[self.default_code] = str(self.tree.get("default_language"))
        # No text in the declared default (none declared, every label has a language): the first.
        default = next(iter(self.languages), self.default_code)
        if self.default_code in self.languages:
            default = self.default_code
        return Form(
            form_id=str(self.tree.get("id_string") or self.tree.get("name") or "form"),
            title=Text({default: str(self.tree.get("title") or "")}),
            version=str(self.tree.get("version") or ""),
            default_language=default,
            languages=self.languages,
            pages=tuple(p for p in pages if p.questions),
        )

    def questions(
        self, children: Iterable[Mapping[str, Any]], path: tuple[str, ...], relevant: str | None
    ) -> Iterable[Question]:
        for child in children:
            if child.get("type") == "group":
                inner = _and(relevant, child.get("bind", {}).get("relevant"))
                yield from self.questions(child.get("children", []), (*path, child["name"]), inner)
            elif (question := self.question(child, path, relevant)) is not None:
                yield question

    def question(
        self, node: Mapping[str, Any], path: tuple[str, ...], group_relevant: str | None
    ) -> Question | None:
        name = str(node["name"])
        if name not in self.sheet.row_of and _TABLE_LIST_HEADER.match(name):
            return None  # pyxform's header row of a table-list: no question of the sheet
        kind = _TYPES.get(str(node.get("type")))
        if kind is None:
            self.issues.append(self.not_a_question(node, name))
            return None
        bind = node.get("bind", {})
        required = str(bind.get("required", "")).strip()
        self.issues += self.unsupported_columns(bind, name, kind)
        return Question(
            name=name,
            type=kind,
            label=self.text(node.get("label")),
            hint=self.text(node.get("hint")),
            group_path=path,
            required=required.lower() in _TRUE,
            required_if=None if required.lower() in _TRUE | _FALSE else required,
            required_message=self.text(bind.get("jr:requiredMsg")),
            relevant=_and(group_relevant, _expression(bind.get("relevant"))),
            constraint=_expression(bind.get("constraint")),
            constraint_message=self.text(bind.get("jr:constraintMsg")),
            calculation=_expression(bind.get("calculate")),
            default=node.get("default"),
            appearance=str(node.get("control", {}).get("appearance", "")),
            list_name=node.get("list_name") or node.get("itemset"),
            choices=tuple(self.choice(c, name) for c in self.choices_of(node)),
            choice_filter=node.get("choice_filter"),
            parameters=self.parameters(node, name, kind),
            claim=self.text(node.get("claim")),
            row=self.sheet.row_of.get(name),
        )

    def not_a_question(self, node: Mapping[str, Any], name: str) -> FormIssue:
        """Metadata (a warning), or a type pyxform accepts and indagine does not serve."""
        if node.get("type") in _METADATA or name in _METADATA:
            return self.sheet.issue(
                FormCode.METADATA_IGNORED,
                f"'{node.get('type')}' metadata is not recorded.",
                name,
                "type",
                Severity.WARNING,
            )
        message = f"The type '{node.get('type')}' is not supported."
        return self.sheet.issue(FormCode.UNSUPPORTED_TYPE, message, name, "type")

    def unsupported_columns(
        self, bind: Mapping[str, Any], name: str, kind: QuestionType
    ) -> list[FormIssue]:
        issues = []
        if bind.get("calculate") and kind is not QuestionType.CALCULATE:
            issues.append(  # ODK fills the box from it; here it would be silently ignored
                self.sheet.issue(
                    FormCode.UNSUPPORTED_COLUMN,
                    "A calculation on a question that asks for an answer is not supported: "
                    "put it on a 'calculate' row of its own.",
                    name,
                    "calculation",
                )
            )
        if str(bind.get("readonly", "")).strip().lower() in _TRUE:
            issues.append(
                self.sheet.issue(
                    FormCode.UNSUPPORTED_COLUMN,
                    "read_only is not supported: the respondent could still change the answer. "
                    "Use a note, or a 'calculate' row.",
                    name,
                    "read_only",
                )
            )
        return issues

    def choices_of(self, node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The question's choices: pyxform leaves them in the form's lists, named by `itemset`,
        for a select with randomize=true."""
        lists: Mapping[str, Any] = self.tree.get("choices") or {}
        return list(node.get("choices") or lists.get(str(node.get("itemset")), []))

    def choice(self, node: Mapping[str, Any], question: str) -> Choice:
        score = number(str(node.get("score") or "").strip())  # a bad one: check_choices
        columns = {
            k: str(v)
            for k, v in node.items()
            if k not in {"name", "label", "score", "media"} and isinstance(v, str | int)
        }
        return Choice(str(node["name"]), self.text(node.get("label")), score, columns)

    def parameters(self, node: Mapping[str, Any], name: str, kind: QuestionType) -> dict[str, str]:
        params = {k: str(v) for k, v in (node.get("parameters") or {}).items()}
        if kind is QuestionType.RANGE:
            params = {"start": "1", "end": "10", "step": "1", **params}
            try:
                start, end, step = (float(params[k]) for k in ("start", "end", "step"))
                if step <= 0 or end <= start:
                    raise ValueError
            except ValueError:
                self.issues.append(
                    self.sheet.issue(
                        FormCode.BAD_RANGE,
                        "A range needs numeric start < end and a positive step.",
                        name,
                        "parameters",
                    )
                )
        return params


def _group_label(group: Mapping[str, Any]) -> Any:
    """The group's label; pyxform moves a table-list group's to a note of its own."""
    notes = (
        c.get("label")
        for c in group.get("children", [])
        if _TABLE_LIST_HEADER.match(str(c.get("name"))) and c.get("type") == "note"
    )
    return group.get("label") or next(notes, None)


def _and(first: str | None, second: str | None) -> str | None:
    if first and second:
        return f"({first}) and ({second})"
    return first or second


# The columns whose value depends on the questions they name, when the form is filled in: a
# question that applies only if another applies only if the first does can never be shown.
_DEPENDING_COLUMNS = ("relevant", "calculation", "required")


def _check_expressions(names: set[str], sheet: SurveySheet) -> list[FormIssue]:
    issues: list[FormIssue] = []
    choice_columns = set(column_names(sheet.workbook, "choices"))
    depends: dict[str, dict[str, str]] = {}  # name -> {name it depends on: the column}
    for at, row in sheet.numbered():
        name = str(row.get("name", ""))
        for column in _EXPRESSION_COLUMNS:
            text = str(row.get(column) or "").strip()
            if not text or (column == "required" and text.lower() in _TRUE | _FALSE):
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


def _check_defaults(form: Form, sheet: SurveySheet) -> list[FormIssue]:
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


def _check_generated(form: Form, sheet: SurveySheet) -> list[FormIssue]:
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
