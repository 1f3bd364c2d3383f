"""What an export holds: its columns (`ExportPlan`: the questions of every form version the
survey has, merged) and its rows (`Record`: one response as it is exported)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from indagine.collect import orders
from indagine.forms.model import Form, Question, QuestionType, Text

if TYPE_CHECKING:
    from indagine.surveys.models import Survey


@dataclass(frozen=True)
class Record:
    """One response as it is exported."""

    key: str
    submitted: dt.datetime
    answers: Mapping[str, Any]
    status: str
    version: int
    language: str


@dataclass(frozen=True)
class ExportPlan:
    """The columns of an export, and the language of its labels."""

    form: Form  # the current version: languages and default language
    questions: tuple[Question, ...]  # every version's answer-holding questions, merged
    lang: str
    # A randomized question's order column (its name: the question's "_order") and the
    # question: the choices as the respondent saw them, space-separated, first first.
    orders: Mapping[str, str] = field(default_factory=dict)

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
    after each question any version randomized, the column of the order it was shown in."""
    current = survey.current_version.form
    merged: dict[str, Question] = {}
    randomized: set[str] = set()
    versions = [current, *(v.form for v in survey.versions.exclude(pk=survey.current_version_id))]
    for form in versions:
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
    columns: list[Question] = []
    orders: dict[str, str] = {}
    for question in merged.values():
        columns.append(question)
        if question.name in randomized:
            column = _order_column(question, set(merged) | set(orders))
            orders[column.name] = question.name
            columns.append(column)
    return ExportPlan(current, tuple(columns), lang or current.default_language, orders)


def _order_column(question: Question, taken: set[str]) -> Question:
    """The column of a randomized question's order (`orders.column_name`), as a text
    question labelled after the question."""
    name = orders.column_name(question, taken)
    label = Text({lang: f"{text} [order shown]" for lang, text in question.label.values.items()})
    return Question(name, QuestionType.TEXT, label=label, group_path=question.group_path)
