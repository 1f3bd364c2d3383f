"""What an export holds: its tables (`ExportPlan`: the questions of every form version the
survey has, merged; the main table's, then one `Table` per repeat) and its rows (`Record`: one
response, or one instance of a repeat, as it is exported)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from indagine.collect import orders
from indagine.forms.model import Form, Question, QuestionType, Repeat, Text

if TYPE_CHECKING:
    from indagine.surveys.models import Survey

# A repeat table's last columns, as in ODK Central's CSV of a repeat: the key of the response
# the instance belongs to, and the instance's own key.
REPEAT_TAIL = ("PARENT_KEY", "KEY")


@dataclass(frozen=True)
class Record:
    """One response as it is exported; or one instance of a repeat, with the response's key as
    its `parent` (and the response's time, status, version and language)."""

    key: str
    submitted: dt.datetime
    answers: Mapping[str, Any]
    status: str
    version: int
    language: str
    parent: str = ""


@dataclass(frozen=True)
class Table:
    """The columns of one table: the main one (one row per response, `repeat` None) or a
    repeat's (one row per instance, its questions then PARENT_KEY and KEY)."""

    questions: tuple[Question, ...]
    repeat: Repeat | None = None
    # The response's values each instance's row repeats: a randomized question's order, drawn
    # once per response however many instances ask the question.
    carried: tuple[str, ...] = ()

    def column(self, question: Question) -> str:
        """The question's column: groups and name joined with '-', as ODK Central names them;
        in a repeat's table only the groups within the repeat (Central's briefcase.js cuts
        the repeat's own path off each of its fields' paths)."""
        if self.repeat is None:
            return question.path_name
        path, prefix = question.group_path, (*self.repeat.group_path, self.repeat.name)
        if path[: len(prefix)] == prefix:
            inner = path[len(prefix) :]
        else:  # the repeat's groups differ in another form version: its name alone is certain
            inner = path[path.index(self.repeat.name) + 1 :] if self.repeat.name in path else ()
        return "-".join((*inner, question.name))

    def rows(self, chunk: list[Record]) -> list[Record]:
        """The table's rows from a chunk of responses: the responses themselves, or each
        response's instances of the repeat in their order. An instance's KEY is the response's,
        then the groups around the repeat and the repeat's name with the instance's number
        (from 1), joined with '/': "uuid:…/where/site[2]", as ODK Central writes it."""
        repeat = self.repeat
        if repeat is None:
            return chunk
        path = "/".join((*repeat.group_path, repeat.name))
        rows: list[Record] = []
        for r in chunk:
            instances = r.answers.get(repeat.name)
            if not isinstance(instances, list):
                continue  # the repeat did not apply, or another version asked it once
            carried = {c: r.answers[c] for c in self.carried if c in r.answers}
            for n, instance in enumerate(instances, 1):
                answers = instance if isinstance(instance, dict) else {}
                if carried:
                    answers = {**answers, **carried}
                key = f"{r.key}/{path}[{n}]"
                rows.append(
                    Record(key, r.submitted, answers, r.status, r.version, r.language, r.key)
                )
        return rows


@dataclass(frozen=True)
class ExportPlan:
    """The columns of an export, and the language of its labels."""

    form: Form  # the current version: languages and default language
    questions: tuple[Question, ...]  # every version's answer-holding questions asked once, merged
    lang: str
    # A randomized question's order column (its name: the question's "_order") and the
    # question: the choices as the respondent saw them, space-separated, first first.
    orders: Mapping[str, str] = field(default_factory=dict)
    repeats: tuple[Table, ...] = ()  # a table per repeat of any version, the current's first

    def tables(self) -> list[Table]:
        """The main table, then each repeat's."""
        return [Table(self.questions), *self.repeats]

    def every_question(self) -> list[Question]:
        """The columns of every table: the main table's, then each repeat's."""
        return [q for table in self.tables() for q in table.questions]

    def languages(self) -> list[str]:
        """The default language first, then the others (PostgreSQL's JSON keeps no order)."""
        default = self.form.default_language
        return [default, *sorted(set(self.form.languages) - {default})]

    def text(self, text: Any) -> str:
        """A text in the export's language (or the form's default)."""
        return text.get(self.lang, self.form.default_language)

    def choice_label(self, question: Question, code: str) -> str:
        """The label of the question's choice `code`; the code itself when no choice has it."""
        choice = question.choice(code)
        return self.text(choice.label) if choice is not None else code


def plan(survey: Survey, lang: str | None = None) -> ExportPlan:
    """Questions of every form version the survey has: current order first, choices united;
    after each question any version randomized, the column of the order it was shown in. A
    repeat's questions go to its own table, never to the main one (they hold a list)."""
    current = survey.current_version.form
    versions = [current, *(v.form for v in survey.versions.exclude(pk=survey.current_version_id))]
    merged: dict[str, Question] = {}
    randomized: set[str] = set()
    repeats: dict[str, Repeat] = {}
    for form in versions:
        for name, repeat in form.repeats().items():
            repeats.setdefault(name, repeat)
        for question in form.questions():
            if question.type is QuestionType.NOTE:
                continue
            if question.is_randomized:
                randomized.add(question.name)
            known = merged.get(question.name)
            if known is None:
                merged[question.name] = question
            elif extra := [c for c in question.choices if known.choice(c.name) is None]:
                merged[question.name] = replace(known, choices=(*known.choices, *extra))
    columns: dict[str, list[Question]] = {"": [], **{name: [] for name in repeats}}
    orders: dict[str, str] = {}
    for question in merged.values():
        table = columns[question.repeat if question.repeat in repeats else ""]
        table.append(question)
        if question.name in randomized:
            column = _order_column(question, set(merged) | set(orders))
            orders[column.name] = question.name
            table.append(column)
    tables = tuple(
        Table(
            tuple(columns[name]), repeat, tuple(q.name for q in columns[name] if q.name in orders)
        )
        for name, repeat in repeats.items()
    )
    return ExportPlan(current, tuple(columns[""]), lang or current.default_language, orders, tables)


def _order_column(question: Question, taken: set[str]) -> Question:
    """The column of a randomized question's order (`orders.column_name`), as a text
    question labelled after the question (in its repeat, if it is asked in one)."""
    name = orders.column_name(question, taken)
    label = Text({lang: f"{text} [order shown]" for lang, text in question.label.values.items()})
    return Question(
        name,
        QuestionType.TEXT,
        label=label,
        group_path=question.group_path,
        repeat=question.repeat,
    )
