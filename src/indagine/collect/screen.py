"""What a respondent sees while typing on a page, before it is sent: the answers as they stand
(whatever parses of what was typed, each repeat instance's too), the questions that apply and
the choice rows a filter leaves. The page's script asks for it (`views.relevance`); a page shown
again with its errors is drawn from it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indagine.forms.answers import (
    InvalidAnswer,
    Scope,
    available_rows,
    instance_key,
    is_relevant,
    parse_value,
    shown_count,
)
from indagine.forms.expressions import ExpressionError
from indagine.forms.model import Form, Page


def _lenient(form: Form, raw: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Typed values of whatever parses in `raw`, ignoring the rest."""
    values: dict[str, Any] = {}
    for name, strings in raw.items():
        question = form.question(name)
        if question is None or not question.type.takes_input:
            continue
        try:
            values[name] = parse_value(question, strings)
        except InvalidAnswer:
            continue
    return values


def visible_questions(
    form: Form, index: int, raw: Mapping[str, Sequence[str]], answers: Mapping[str, Any]
) -> tuple[set[str], dict[str, list[int]]]:
    """The page's questions that apply to what is typed so far, and, for those with a
    choice_filter, the positions of the choices that apply (a city's, once its country is
    chosen): positions, since one name may stand on two rows."""
    _, visible, filtered = on_screen(form, index, raw, answers)
    return visible, filtered


def on_screen(
    form: Form, index: int, raw: Mapping[str, Sequence[str]], answers: Mapping[str, Any]
) -> tuple[dict[str, Any], set[str], dict[str, list[int]]]:
    """What the respondent sees while typing on page `index`: the answers as they stand (a
    hidden question's typing counts as none, as when the page is sent), the questions that
    apply (a repeat's by instance: 'city[2]'), and the choice rows that apply of those with a
    choice_filter."""
    page = form.pages[index]
    seen = {**answers, **{q.name: None for q in page.questions}, **_lenient(form, raw)}
    seen = {k: v for k, v in seen.items() if v is not None}
    for name in page.repeats:
        seen[name] = _typed_instances(page, name, raw, answers)
    members = form.repeat_members() or None
    visible: set[str] = set()
    filtered: dict[str, list[int]] = {}
    for question in page.questions:
        places = (
            [(instance_key(question.name, i), values, Scope(members, (question.repeat, i)))
             for i, values in enumerate(seen[question.repeat])]
            if question.repeat
            else [(question.name, seen, Scope(members))]
        )  # fmt: skip
        for key, values, scope in places:
            try:
                relevant = is_relevant(question, seen, scope=scope)
                if relevant and question.choice_filter:
                    filtered[key] = list(available_rows(question, seen, scope=scope))
                    relevant = bool(filtered[key])
            except ExpressionError:
                relevant = True
            if relevant:
                visible.add(key)
            else:
                values.pop(question.name, None)
    return seen, visible, filtered


def _typed_instances(
    page: Page, repeat: str, raw: Mapping[str, Sequence[str]], answers: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """A repeat's instances as the page shows them typed: as many as it shows, each with
    whatever parses of what was typed in it."""
    stored = answers.get(repeat)
    stored = stored if isinstance(stored, list) else []
    count = shown_count(raw, repeat, len(stored))
    instances = [dict(stored[i]) if i < len(stored) else {} for i in range(count)]
    for question in page.questions:
        if question.repeat != repeat or not question.type.takes_input:
            continue
        for index, values in enumerate(instances):
            values.pop(question.name, None)
            try:
                value = parse_value(question, raw.get(instance_key(question.name, index), ()))
            except InvalidAnswer:
                continue
            if value is not None:
                values[question.name] = value
    return instances
