"""pyxform's JSON tree -> the frozen `Form`: pages, questions, choices, texts per language.

pyxform's tree carries what the sheet says, in its own terms: types by their aliases, texts keyed
by language names ("English (en)"), the relevance of a group on the group. Here each question gets
its type, its texts keyed by language code, the relevance of its groups and its choices; what a
row asks that indagine does not serve comes back as an issue of the build, at its cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from indagine.forms.choices import number
from indagine.forms.issues import FormCode, FormIssue, Severity
from indagine.forms.model import (
    Benchmark,
    Choice,
    Form,
    Page,
    Question,
    QuestionType,
    Repeat,
    Text,
)
from indagine.forms.sheets import SurveySheet

TYPES = {
    "string": QuestionType.TEXT,  # pyxform's aliases of supported types
    "int": QuestionType.INTEGER,
    "select one": QuestionType.SELECT_ONE,
    "select all that apply": QuestionType.SELECT_MULTIPLE,
    "integer": QuestionType.INTEGER,
    "decimal": QuestionType.DECIMAL,
    "range": QuestionType.RANGE,
    "text": QuestionType.TEXT,
    "date": QuestionType.DATE,
    "time": QuestionType.TIME,
    "datetime": QuestionType.DATETIME,
    "dateTime": QuestionType.DATETIME,
    "note": QuestionType.NOTE,
    "calculate": QuestionType.CALCULATE,
    "phone number": QuestionType.PHONE,
    "acknowledge": QuestionType.ACKNOWLEDGE,
    "rank": QuestionType.RANK,
    "file": QuestionType.FILE,
    "photo": QuestionType.IMAGE,  # pyxform's name of the type "image"
    "image": QuestionType.IMAGE,
    "hidden": QuestionType.HIDDEN,
    "start": QuestionType.START,
    "end": QuestionType.END,
    "today": QuestionType.TODAY,
}
METADATA = {
    "deviceid",
    "phonenumber",
    "username",
    "email",
    "audit",
    "simserial",
    "subscriberid",
    "instanceID",
}
# What pyxform adds to a table-list group: a note with the group's label, and its header row
# (a select showing its choices without buttons).
_TABLE_LIST_HEADER = re.compile(
    r"^(reserved_name_for_field_list_labels|generated_table_list_label)_\d+$"
)
# How a sheet writes yes and no (in `required`, `read_only`): anything else is an expression.
TRUE = {"yes", "true", "true()", "1"}
FALSE = {"no", "false", "false()", "0", ""}

# Language names written without a code in brackets ("label::English"), as ISO codes.
_LANGUAGE_NAMES = {
    "english": "en",
    "inglese": "en",
    "italiano": "it",
    "italian": "it",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "francese": "fr",
    "german": "de",
    "deutsch": "de",
    "tedesco": "de",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "spagnolo": "es",
    "portuguese": "pt",
    "português": "pt",
    "portoghese": "pt",
}


def language_code(name: str) -> str:
    """A language's code from its written name: 'English (en)', 'en', 'Italiano'."""
    match = re.search(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$", name)
    if match:
        return match.group(1).lower()
    return _LANGUAGE_NAMES.get(name.strip().lower(), name.strip().lower())


# pyxform writes the relevance of the question it adds for "or_other" as a path to its
# sibling ("selected(../pet, 'other')"): the same as ${pet} here, where names are unique.
_SIBLING = re.compile(r"(?<![\w./])\.\./([A-Za-z_][\w.-]*)")


def _expression(text: Any) -> str | None:
    """An expression of pyxform's tree as written on the sheet (paths to siblings as ${name})."""
    if text is None:
        return None
    return _SIBLING.sub(r"${\1}", str(text))


def build_form(tree: Mapping[str, Any], sheet: SurveySheet) -> tuple[Form, list[FormIssue]]:
    """The form of pyxform's `tree`, and the problems of its rows found on the way."""
    builder = _FormBuilder(tree, sheet)
    form = builder.build()
    return form, builder.issues


class _FormBuilder:
    """pyxform's JSON tree -> frozen `Form`."""

    def __init__(self, tree: Mapping[str, Any], sheet: SurveySheet) -> None:
        self.tree = tree
        self.sheet = sheet
        self.issues: list[FormIssue] = []
        default = str(tree.get("default_language") or "default")
        self.default_code = "und" if default == "default" else language_code(default)
        self.languages: dict[str, str] = {}
        self.tables: dict[str, Text] = {}  # a table-list group's caption, by its name
        self.repeats: dict[str, Repeat] = {}  # every repeat met, by its name

    def text(self, value: Any) -> Text:
        if value is None:
            return Text()
        if isinstance(value, str):
            value = {"default": value}
        out = {}
        for lang, string in value.items():
            code = self.default_code if lang == "default" else language_code(lang)
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
                title = self.text(_group_label(child))
                questions = tuple(
                    self.questions(
                        child.get("children", []),
                        (child["name"],),
                        child.get("bind", {}).get("relevant"),
                        table=self.table_of(child, title),
                    )
                )
                pages.append(self.page(child["name"], title, questions))
            elif child.get("type") == "repeat":  # a repeat of its own: a page of its own
                questions = tuple(self.questions([child], (), None))
                pages.append(self.page(child["name"], self.text(child.get("label")), questions))
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
            benchmark=self.benchmark(),
        )

    def benchmark(self) -> Benchmark | None:
        """The settings sheet's `benchmark` (yes), `benchmark_group`, `benchmark_min_group`
        (checked by `forms.loader`)."""
        if _yes_no(self.tree.get("benchmark")) != "yes":
            return None
        written = str(self.tree.get("benchmark_min_group") or "").strip()
        least = int(written) if written.isascii() and written.isdigit() else 10
        return Benchmark(str(self.tree.get("benchmark_group") or "").strip(), max(least, 2))

    def page(self, name: str, title: Text, questions: tuple[Question, ...]) -> Page:
        tables = {q.table: self.tables[q.table] for q in questions if q.table}
        repeats = {q.repeat: self.repeats[q.repeat] for q in questions if q.repeat}
        return Page(name, title, questions, tables, repeats)

    def questions(
        self,
        children: Iterable[Mapping[str, Any]],
        path: tuple[str, ...],
        relevant: str | None,
        table: str = "",
        repeat: str = "",
    ) -> Iterable[Question]:
        for child in children:
            if child.get("type") == "group":
                inner = _and(relevant, _expression(child.get("bind", {}).get("relevant")))
                own = self.table_of(child, self.text(_group_label(child)))
                if own and repeat:
                    own = self.grid_in_repeat(child)
                yield from self.questions(
                    child.get("children", []), (*path, child["name"]), inner, own or table, repeat
                )
            elif child.get("type") == "repeat":
                yield from self.repeat(child, path, relevant, inside=repeat)
            elif (question := self.question(child, path, relevant)) is not None:
                if repeat and (question.type.is_upload or question.type is QuestionType.RANK):
                    self.issues.append(self.not_in_repeat(question))
                    continue
                yield replace(question, table=table, repeat=repeat)

    def repeat(
        self, node: Mapping[str, Any], path: tuple[str, ...], relevant: str | None, inside: str
    ) -> Iterable[Question]:
        """The questions of a repeat, each marked with it; a repeat inside a repeat is refused
        at its row (its instances would need instances of their own on one page)."""
        name = str(node["name"])
        if inside:
            message = (
                f"The repeat '{name}' is inside the repeat '{inside}': a repeat within a repeat "
                "is not supported. Move it out, or ask its questions once per instance of "
                f"'{inside}'."
            )
            self.issues.append(self.sheet.issue(FormCode.UNSUPPORTED_TYPE, message, name, "type"))
            return
        inner = _and(relevant, _expression(node.get("bind", {}).get("relevant")))
        count = node.get("control", {}).get("jr:count")
        self.repeats[name] = Repeat(
            name=name,
            label=self.text(node.get("label")),
            count=_expression(str(count)) if count not in (None, "") else None,
            relevant=inner,
            group_path=path,
            row=self.sheet.row_of.get(name),
        )
        asked = list(self.questions(node.get("children", []), (*path, name), inner, "", name))
        if not asked:
            message = f"The repeat '{name}' holds no question: it is left out."
            self.issues.append(
                self.sheet.issue(FormCode.NOT_HONOURED, message, name, "type", Severity.WARNING)
            )
        yield from asked

    def grid_in_repeat(self, group: Mapping[str, Any]) -> str:
        """A table-list inside a repeat: its questions asked one under another (said at the
        group's row), since each instance is already a block of its own on the page."""
        name = str(group["name"])
        message = (
            f"The group '{name}' is a table-list inside a repeat: its questions are shown one "
            "under another in each instance, not as a grid."
        )
        self.issues.append(
            self.sheet.issue(FormCode.NOT_HONOURED, message, name, "appearance", Severity.WARNING)
        )
        return ""

    def not_in_repeat(self, question: Question) -> FormIssue:
        kind = "An upload" if question.type.is_upload else "A ranking"
        message = (
            f"{kind} inside a repeat is not supported: ask '{question.name}' outside the repeat."
        )
        return self.sheet.issue(FormCode.UNSUPPORTED_TYPE, message, question.name, "type")

    def table_of(self, group: Mapping[str, Any], caption: Text) -> str:
        """The group's name if it is a table-list (one grid: pyxform gives it a header row of
        the choices, `_TABLE_LIST_HEADER`), its caption kept in `tables`; else ''."""
        header = any(
            _TABLE_LIST_HEADER.match(str(c.get("name"))) and c.get("type") != "note"
            for c in group.get("children", [])
        )
        if not header:
            return ""
        self.tables[str(group["name"])] = caption
        return str(group["name"])

    def question(
        self, node: Mapping[str, Any], path: tuple[str, ...], group_relevant: str | None
    ) -> Question | None:
        name = str(node["name"])
        if name not in self.sheet.row_of and _TABLE_LIST_HEADER.match(name):
            return None  # pyxform's header row of a table-list: no question of the sheet
        kind = TYPES.get(str(node.get("type")))
        if kind is None:
            self.issues.append(self.not_a_question(node, name))
            return None
        if kind is QuestionType.RANK and not self.choices_of(node):
            message = "A rank orders a list of choices: write its type as 'rank LIST'."
            self.issues.append(self.sheet.issue(FormCode.UNSUPPORTED_TYPE, message, name, "type"))
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
            required=required.lower() in TRUE,
            required_if=None if required.lower() in TRUE | FALSE else required,
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
            image=self.image(node),
            row=self.sheet.row_of.get(name),
            previous_name=str(node.get("previous_name") or "").strip(),
            benchmark=_yes_no(node.get("benchmark")),
        )

    def not_a_question(self, node: Mapping[str, Any], name: str) -> FormIssue:
        """Metadata (a warning), or a type pyxform accepts and indagine does not serve."""
        if node.get("type") in METADATA or name in METADATA:
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
        if str(bind.get("readonly", "")).strip().lower() in TRUE:
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
        label = self.text(node.get("label"))
        return Choice(str(node["name"]), label, score, columns, self.image(node))

    def image(self, node: Mapping[str, Any]) -> Text:
        """The node's image file, per language: `image`, else `big-image` (a page shows one
        image, at the width of the text; `forms.media` checks the files)."""
        media = node.get("media") or {}
        return self.text(media.get("image") or media.get("big-image"))

    def parameters(self, node: Mapping[str, Any], name: str, kind: QuestionType) -> dict[str, str]:
        params = {k: str(v) for k, v in (node.get("parameters") or {}).items()}
        accept = (node.get("control") or {}).get("accept")
        if kind.is_upload and accept:
            params["accept"] = str(accept)  # body::accept
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


def _yes_no(value: Any) -> str:
    """'yes', 'no', or '' for a cell left empty (or written otherwise)."""
    text = str(value or "").strip().lower()
    return "yes" if text in ("yes", "true", "1") else "no" if text in ("no", "false", "0") else ""


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
