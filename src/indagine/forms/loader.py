"""XLSForm (.xlsx, .xls, .csv, .md) -> `Form`, through pyxform, with every problem located.

The pipeline: read the workbook (pyxform's backends), refuse what indagine cannot serve faithfully
(geo and media types, external choices: `forms.unsupported`), convert it to pyxform's
JSON, build the frozen `Form` (`forms.tree`), then check every expression (`forms.formulas`), and
warn of what the pages do not honour (`forms.honoured`). Problems come back in the result, never
raised.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import DefinitionData, get_xlsform

from indagine.forms import languages, media
from indagine.forms.choices import check_choices
from indagine.forms.formulas import check_defaults, check_expressions, check_generated
from indagine.forms.headers import duplicate_columns
from indagine.forms.honoured import check_honoured
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.model import Form
from indagine.forms.sheets import SurveySheet, letter_of
from indagine.forms.tree import build_form
from indagine.forms.unsupported import refuse_unsupported

MAX_FORM_BYTES = 10 * 1024 * 1024
SUFFIXES = {".xlsx": ".xlsx", ".xlsm": ".xlsx", ".xls": ".xls", ".csv": ".csv", ".md": ".md"}


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
    if len(data) > MAX_FORM_BYTES:
        return _fail(FormCode.TOO_LARGE, f"The file is larger than {MAX_FORM_BYTES // 2**20} MB.")
    files: Mapping[str, bytes] | None = None  # a zip's images (`forms.media`)
    if Path(filename or "").suffix.lower() == ".zip":
        unpacked = media.unpack(data, SUFFIXES)
        if isinstance(unpacked, str):
            return _fail(FormCode.UNREADABLE, unpacked)
        filename, data, files = unpacked.name, unpacked.form, unpacked.files
    kind = SUFFIXES.get(Path(filename or "form.md").suffix.lower())
    if kind is None:
        return _fail(
            FormCode.UNREADABLE,
            f"'{filename}' is not an XLSForm: use .xlsx, .xls, .csv or .md, or a .zip of one "
            "with its images.",
        )
    duplicated = duplicate_columns(data, kind)  # pyxform: "damaged" (.xlsx), or one kept (.md)
    if duplicated:
        return LoadResult(None, tuple(duplicated))
    try:
        # Always bytes: pyxform reads a str as a file path first, which must never happen to
        # uploaded content.
        workbook = get_xlsform(data, file_type=kind)
    except Exception as exc:  # pyxform's readers raise many kinds for bad files
        return _fail(FormCode.UNREADABLE, _unreadable(kind, data, exc))
    return _load_workbook(workbook, _form_name(Path(filename or "form").stem), files)


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


def _load_workbook(
    workbook: DefinitionData,
    fallback_name: str,
    files: Mapping[str, bytes] | None = None,
) -> LoadResult:
    sheet = SurveySheet(workbook)
    refused = refuse_unsupported(sheet)
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
    form, built = build_form(tree, sheet)
    # start, end and today are the response's times, which no expression reads
    names = {q.name for q in form.questions() if not q.type.is_metadata} | set(form.repeats())
    issues = [*built, *check_choices(workbook), *check_expressions(names, sheet)]
    issues += check_generated(form, sheet)
    issues += check_defaults(form, sheet)
    issues += check_honoured(form, workbook)
    issues += media.check_media(form, workbook, files)
    form = media.keep_shown(form, files)
    issues += _pyxform_warnings(warnings, workbook, issues)
    issues += _check_languages(form)
    issues += _check_benchmark(form, workbook, sheet)
    if not any(True for q in form.questions() if q.type.takes_input):
        issues.append(
            FormIssue(FormCode.NO_QUESTIONS, "The form has no question to answer.", sheet="survey")
        )
    return LoadResult(form, tuple(issues))


def _refused(sheet: SurveySheet, first: list[FormIssue]) -> LoadResult:
    """No form: the problems found `first`, and every error of the checks that need no parsed
    form, except at the cells `first` names."""
    names = {str(r["name"]) for r in sheet.rows if r.get("name")}
    more = [*check_choices(sheet.workbook), *check_expressions(names, sheet)]
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
    """A warning for each language of the labels a page cannot declare (no language code), and
    for each one indagine has no words of its own in (the buttons and messages in English)."""
    issues = []
    for code, written in form.languages.items():
        if code == languages.UNDETERMINED:
            continue
        if not languages.is_tag(code):
            issues.append(
                FormIssue(
                    FormCode.LANGUAGE_NOT_OFFERED,
                    f"The labels in '{written}' have no language code, so no page is shown in "
                    f"them: name the column with its code, as in 'label::{written} (xx)' with "
                    "the language's two-letter code.",
                    Severity.WARNING,
                    "survey",
                )
            )
        elif languages.page_words(code) != code.split("-")[0]:
            words = ", ".join(languages.PAGE_WORDS.values())
            issues.append(
                FormIssue(
                    FormCode.LANGUAGE_WITHOUT_WORDS,
                    f"Respondents can answer in '{written}', with the page's own words (buttons, "
                    f"progress, messages) in English: indagine's come in {words}.",
                    Severity.WARNING,
                    "survey",
                )
            )
    return issues


def _check_benchmark(form: Form, workbook: DefinitionData, sheet: SurveySheet) -> list[FormIssue]:
    """The benchmark's group must be a single choice asked once; a question marked for it
    must be a closed one, else the mark is not honoured (said at its cell)."""
    issues = []
    if form.benchmark is not None and form.benchmark.group:
        group = form.question(form.benchmark.group)
        if group is None or group.type.value != "select_one" or group.repeat:
            issues.append(
                FormIssue(
                    FormCode.UNKNOWN_REFERENCE,
                    f"The benchmark's group '{form.benchmark.group}' is no single-choice "
                    "question asked once: name one (the type of organisation, for instance).",
                    Severity.ERROR,
                    "settings",
                    2,
                    "benchmark_group",
                    letter_of(workbook, "settings", "benchmark_group"),
                )
            )
    shown = {q.name for q in form.benchmarked()}
    for question in form.questions():
        if question.benchmark == "yes" and question.name not in shown:
            issues.append(
                sheet.issue(
                    FormCode.NOT_HONOURED,
                    "Only a single or several choices asked once can be in the benchmark: "
                    "this question is left out of it.",
                    question.name,
                    "benchmark",
                    Severity.WARNING,
                )
            )
    return issues


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
        if "max-pixels" in line:
            continue  # advice for ODK Collect's camera: a page uploads the file as chosen
        issue = _pyxform_issue(line, None, workbook, FormCode.PYXFORM_WARNING, Severity.WARNING)
        if line and (issue.sheet, issue.row, issue.column) not in said:
            issues.append(issue if issue.sheet else replace(issue, sheet="survey"))
    return issues
