"""Where a question applies: its relevance, `required`, choice filter and calculation, each
evaluated over the answers so far, in the scope of the repeat instance it is asked in."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from indagine.forms.expressions import MapEnvironment, parse_expression
from indagine.forms.expressions.values import to_number
from indagine.forms.model import Choice, Form, Page, Question, Repeat


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated in a form with repeats: `members` names the repeat of
    each question asked in one (`Form.repeat_members`), `instance` the repeat and index (from
    0) of the instance the question is asked in, None for a question asked once."""

    members: Mapping[str, str] | None = None
    instance: tuple[str, int] | None = None


TOP = Scope()


def environment_of(
    answers: Mapping[str, Any],
    today: dt.date | None,
    current: Any = None,
    row: Mapping[str, str] | None = None,
    scope: Scope = TOP,
) -> MapEnvironment:
    return MapEnvironment(answers, current, today, row, members=scope.members, scope=scope.instance)


def instance_key(name: str, index: int) -> str:
    """The name of a question's field in an instance of its repeat (index from 0): 'city[2]'
    for the second, '[' being no character of an XLSForm name."""
    return f"{name}[{index + 1}]"


def count_key(repeat: str) -> str:
    """The page's field that says how many instances of `repeat` it shows: 'site[]'."""
    return f"{repeat}[]"


def is_relevant(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = TOP,
) -> bool:
    """Does the question apply, given the answers so far (its `relevant` and its groups')?"""
    if not question.relevant:
        return True
    return parse_expression(question.relevant).test(environment_of(answers, today, scope=scope))


def is_required(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None,
    *,
    scope: Scope = TOP,
) -> bool:
    if question.required_if:
        env = environment_of(answers, today, scope=scope)
        return parse_expression(question.required_if).test(env)
    return question.required


def available_rows(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = TOP,
) -> tuple[int, ...]:
    """The positions of the choices a respondent sees, after the question's `choice_filter`:
    rows, not names, since a list may hold one name twice (`allow_choice_duplicates`: a
    'King' county in two states) and only the row the filter keeps is shown."""
    if not question.choice_filter:
        return tuple(range(len(question.choices)))
    expression = parse_expression(question.choice_filter)
    return tuple(
        i
        for i, c in enumerate(question.choices)
        if expression.test(
            environment_of(answers, today, row={"name": c.name, **c.columns}, scope=scope)
        )
    )


def available_choices(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = TOP,
) -> tuple[Choice, ...]:
    """The choices a respondent sees, after the question's `choice_filter`."""
    if not question.choice_filter:
        return question.choices
    rows = available_rows(question, answers, today, scope=scope)
    return tuple(question.choices[i] for i in rows)


def applies(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = TOP,
) -> bool:
    """Is the question on the respondent's screen: relevant, and, for a select with a
    `choice_filter`, left some choice to make? A select whose filter leaves nothing is not
    shown, so it is neither required nor answered (a respondent could not see why the page
    would not move on)."""
    if not is_relevant(question, answers, today, scope=scope):
        return False
    return not question.choice_filter or bool(available_rows(question, answers, today, scope=scope))


def calculated(
    question: Question, answers: Mapping[str, Any], today: dt.date | None, scope: Scope = TOP
) -> Any:
    assert question.calculation
    env = environment_of(answers, today, scope=scope)
    value = parse_expression(question.calculation).evaluate(env)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() else value
    return value if value != "" else None


def first_incomplete_page(
    form: Form, answers: Mapping[str, Any], today: dt.date | None = None
) -> int:
    """Index of the first page with a relevant required question still unanswered, or of the
    page after the last one that holds an answer: where a returning respondent resumes."""
    last_answered = -1
    for index, page in enumerate(form.pages):
        if any((q.repeat or q.name) in answers for q in page.questions if q.type.takes_input):
            last_answered = index
    members = form.repeat_members() or None
    for index, page in enumerate(form.pages[: last_answered + 1]):
        for question in page.questions:
            if question.type.takes_input and any(
                question.name not in instance
                and applies(question, answers, today, scope=scope)
                and is_required(question, answers, today, scope=scope)
                for instance, scope in asked_in(question, answers, members)
            ):
                return index
    return min(last_answered + 1, len(form.pages) - 1)


def asked_in(
    question: Question, answers: Mapping[str, Any], members: Mapping[str, str] | None
) -> list[tuple[Mapping[str, Any], Scope]]:
    """Where the question is asked: the answers, or each instance of its repeat, with the
    scope its expressions are evaluated in."""
    if not question.repeat:
        return [(answers, Scope(members))]
    instances = answers.get(question.repeat) or []
    return [(inst, Scope(members, (question.repeat, i))) for i, inst in enumerate(instances)]


def repeat_applies(
    repeat: Repeat, answers: Mapping[str, Any], today: dt.date | None, scope: Scope = TOP
) -> bool:
    """Is the repeat asked: its relevance holds and, if the form's count sets how many
    instances, that count is above 0?"""
    env = environment_of(answers, today, scope=Scope(scope.members))
    if repeat.relevant and not parse_expression(repeat.relevant).test(env):
        return False
    if not repeat.count:
        return True
    number = to_number(parse_expression(repeat.count).evaluate(env))
    return not math.isnan(number) and number >= 1


def page_is_relevant(
    page: Page, answers: Mapping[str, Any], today: dt.date | None = None, form: Form | None = None
) -> bool:
    """A page is shown when at least one of its questions or notes applies; a repeat's when
    the repeat does (its instances are added on the page, so none may be there yet), and,
    when the form's count sets how many, that count is above 0."""
    scope = Scope(form.repeat_members() or None) if form is not None else TOP
    if any(repeat_applies(r, answers, today, scope) for r in page.repeats.values()):
        return True
    return any(
        applies(q, answers, today, scope=scope)
        for q in page.questions
        if q.type.is_shown and not q.repeat
    )
