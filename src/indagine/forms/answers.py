"""Answers checked: a page or a whole submission settled question by question (skip logic,
calculations, `required`, `constraint`, choice filters), each repeat's questions in each of its
instances.

Raw input is what a web form or a CSV row gives: a mapping from question name (or instance
field, 'city[2]') to a list of strings. Typed values come from `forms.parsing`, where a question
applies from `forms.relevance`. Questions that are not relevant keep no answer, as in ODK.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indagine.forms.expressions import ExpressionError, MapEnvironment, parse_expression
from indagine.forms.expressions.values import to_number
from indagine.forms.messages import AnswerCode, message
from indagine.forms.model import Form, Page, Question, QuestionType

# What other modules import from here, kept where it always was: typed values (`parsing`) and
# where a question applies (`relevance`)
from indagine.forms.parsing import MAX_TEXT_LENGTH as MAX_TEXT_LENGTH
from indagine.forms.parsing import REFUSED_UPLOAD as REFUSED_UPLOAD
from indagine.forms.parsing import UPLOAD_NAME as UPLOAD_NAME
from indagine.forms.parsing import InvalidAnswer as InvalidAnswer
from indagine.forms.parsing import parse_value as parse_value
from indagine.forms.relevance import Scope as Scope
from indagine.forms.relevance import applies as applies
from indagine.forms.relevance import asked_in as asked_in
from indagine.forms.relevance import available_choices as available_choices
from indagine.forms.relevance import available_rows as available_rows
from indagine.forms.relevance import calculated, environment_of
from indagine.forms.relevance import count_key as count_key
from indagine.forms.relevance import first_incomplete_page as first_incomplete_page
from indagine.forms.relevance import instance_key as instance_key
from indagine.forms.relevance import is_relevant as is_relevant
from indagine.forms.relevance import is_required as is_required
from indagine.forms.relevance import page_is_relevant as page_is_relevant

Answers = dict[str, Any]
RawAnswers = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class AnswerError:
    name: str
    code: AnswerCode
    message: str


@dataclass(frozen=True)
class Checked:
    """Answers after a page or a whole submission was checked, with the problems found."""

    answers: Answers
    errors: tuple[AnswerError, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors


class _Kind(enum.Enum):
    """Where a question's value comes from when a check settles the answers."""

    ANSWER = enum.auto()  # what the respondent gave
    CALCULATE = enum.auto()  # its calculation
    HIDDEN = enum.auto()  # its default
    METADATA = enum.auto()  # the response's times: never kept in answers
    NOTE = enum.auto()  # nothing: a note is never kept


def _kind(question: Question) -> _Kind:
    if question.type is QuestionType.CALCULATE:
        return _Kind.CALCULATE
    if question.type is QuestionType.HIDDEN:
        return _Kind.HIDDEN
    if question.type.is_metadata:
        return _Kind.METADATA
    return _Kind.NOTE if question.type is QuestionType.NOTE else _Kind.ANSWER


Relevance = Callable[[MapEnvironment], bool]


def _relevance(text: str | None) -> Relevance | None:
    """The test of a `relevant` text, parsed once; one that does not parse raises its
    ExpressionError each time it is tested, where the check reports it."""
    if not text:
        return None
    try:
        return parse_expression(text).test
    except ExpressionError:
        return lambda env: parse_expression(text).test(env)


def _settling(form: Form) -> tuple[tuple[Question, str, Relevance | None, _Kind], ...]:
    """What `settle` needs of each question, in evaluation order, worked out once per form
    (kept on it, as `evaluation_order` is): a page sent settles every question of the form."""
    known = form.__dict__.get("_settling")
    if known is not None:
        return known  # type: ignore[no-any-return]
    steps = tuple((q, q.name, _relevance(q.relevant), _kind(q)) for q in evaluation_order(form))
    object.__setattr__(form, "_settling", steps)
    return steps


# A question's settled value when it keeps none (not asked, refused, a note)
_NOTHING = object()
# The most instances of a repeat a page shows: a count worked out from an answer is held to it,
# and a respondent cannot add more (a page of thousands of blocks would not be answerable).
MAX_INSTANCES = 100


class _Checker:
    """Walks questions in form order: each relevance sees the answers of the ones before it.
    A question of a repeat is settled in each of its instances in turn."""

    def __init__(self, form: Form, lang: str, today: dt.date | None, max_text: int) -> None:
        self.form = form
        self.lang = lang
        self.today = today or dt.date.today()  # one day for the whole check
        self.max_text = max_text
        self.errors: list[AnswerError] = []
        # Input that did not parse, judged only once the question is known to apply: what
        # was typed into a question the respondent has since hidden never holds a page.
        self.unparsed: dict[str, InvalidAnswer] = {}
        self.top = Scope(form.repeat_members() or None)
        self.repeats = form.repeats()
        self.closed: set[str] = set()  # repeats that do not apply: none of their questions do

    def error(
        self, question: Question, code: AnswerCode, key: str | None = None, **values: object
    ) -> None:
        own = {
            AnswerCode.REQUIRED: question.required_message,
            AnswerCode.CONSTRAINT: question.constraint_message,
        }.get(code)
        text = own.get(self.lang, self.form.default_language) if own else ""
        self.errors.append(
            AnswerError(key or question.name, code, text or message(code, self.lang, **values))
        )

    def settle(self, answers: Answers, checked: set[str]) -> Answers:
        """Recompute calculations, drop answers of questions that no longer apply, and check
        `required`, `constraint` and choice filters of the questions named in `checked`
        that apply (with what did not parse): nothing of a question that does not is judged."""
        settled: Answers = {}
        env = environment_of(settled, self.today, scope=self.top)  # sees `settled` grow
        for question, name, relevant, kind in _settling(self.form):
            if question.repeat:
                self.settle_instances(question, relevant, kind, answers, settled, checked)
                continue
            value = self.one(question, name, relevant, kind, env, answers.get(name), checked)
            if value is not _NOTHING:
                settled[name] = value
        return settled

    def one(
        self,
        question: Question,
        key: str,
        relevant: Relevance | None,
        kind: _Kind,
        env: MapEnvironment,
        given: Any,
        checked: set[str],
    ) -> Any:
        """The question's settled value in `env` (its instance's, in a repeat), or _NOTHING."""
        scope = Scope(env.members, env.scope)
        settled = env.values
        try:
            if relevant is not None and not relevant(env):
                return _NOTHING
            if question.choice_filter and not available_rows(
                question, settled, self.today, scope=scope
            ):
                return _NOTHING  # no choice left to make: not shown (`applies`)
            if key in self.unparsed:
                failure = self.unparsed[key]
                self.error(question, failure.code, key, **failure.values)
                return _NOTHING  # reported, and no earlier answer of it is kept
            if kind is _Kind.ANSWER:
                value = given
            elif kind is _Kind.CALCULATE:
                value = calculated(question, settled, self.today, scope)
            elif kind is _Kind.HIDDEN:
                value = question.default  # never shown, never sent: its default
            else:  # metadata, recorded from the response's times; a note, of no value
                value = None if kind is _Kind.METADATA else given
            if question.name in checked and not self.check(question, value, settled, scope, key):
                return _NOTHING  # an answer that fails its checks is reported, never kept
        except ExpressionError:
            self.error(question, AnswerCode.EXPRESSION, key)
            return _NOTHING
        return value if value is not None and kind is not _Kind.NOTE else _NOTHING

    def settle_instances(
        self,
        question: Question,
        relevant: Relevance | None,
        kind: _Kind,
        answers: Answers,
        settled: Answers,
        checked: set[str],
    ) -> None:
        """Settle a question of a repeat in each instance of it (the instances made the first
        time one of the repeat's questions comes up)."""
        name, repeat = question.name, question.repeat
        if repeat in self.closed:
            return
        instances = settled.get(repeat)
        if instances is None:
            instances = self.instances(repeat, answers, settled)
            if instances is None:
                self.closed.add(repeat)
                return
        given = answers.get(repeat) or []
        for index, instance in enumerate(instances):
            scope = Scope(self.top.members, (repeat, index))
            env = environment_of(settled, self.today, scope=scope)
            before = given[index].get(name) if index < len(given) else None
            key = instance_key(name, index)
            value = self.one(question, key, relevant, kind, env, before, checked)
            if value is not _NOTHING:
                instance[name] = value

    def instances(self, name: str, answers: Answers, settled: Answers) -> list[Answers] | None:
        """The repeat's instances, empty, kept in `settled`: as many as its count says, or as
        the answers hold; None when the repeat does not apply."""
        repeat = self.repeats[name]
        env = environment_of(settled, self.today, scope=self.top)
        try:
            if repeat.relevant and not parse_expression(repeat.relevant).test(env):
                return None
            if repeat.count:
                number = to_number(parse_expression(repeat.count).evaluate(env))
                count = 0 if math.isnan(number) else int(max(0.0, min(number, MAX_INSTANCES)))
            else:
                count = min(len(answers.get(name) or []), MAX_INSTANCES)
        except ExpressionError:
            return None
        instances: list[Answers] = [{} for _ in range(count)]
        settled[name] = instances
        return instances

    def check(
        self, question: Question, value: Any, answers: Mapping[str, Any], scope: Scope, key: str
    ) -> bool:
        """Report what is wrong with the question's value; True when nothing is."""
        if not question.type.takes_input:
            return True
        if value is None:
            if is_required(question, answers, self.today, scope=scope):
                self.error(question, AnswerCode.REQUIRED, key)
            return True
        if question.choice_filter:
            offered = available_choices(question, answers, self.today, scope=scope)
            allowed = {c.name for c in offered}
            chosen = value if isinstance(value, list) else [value]
            if any(v not in allowed for v in chosen):
                self.error(question, AnswerCode.CHOICE_NOT_OFFERED, key)
                return False
        if question.constraint:
            env = environment_of(answers, self.today, current=value, scope=scope)
            if not parse_expression(question.constraint).test(env):
                self.error(question, AnswerCode.CONSTRAINT, key)
                return False
        return True

    def parse(self, questions: Sequence[Question], raw: RawAnswers, answers: Answers) -> None:
        for question in questions:
            if not question.type.takes_input:
                continue
            if question.repeat:
                self.parse_instances(question, raw, answers)
                continue
            try:
                answers[question.name] = parse_value(
                    question, raw.get(question.name, ()), self.max_text
                )
            except InvalidAnswer as exc:
                answers.pop(question.name, None)
                self.unparsed[question.name] = exc

    def parse_instances(self, question: Question, raw: RawAnswers, answers: Answers) -> None:
        """A repeat's question in each instance the input shows (`count_key`): the instances
        copied from the answers the first time, so the stored ones are never changed here."""
        repeat = question.repeat
        copied = answers.get(repeat)
        if not isinstance(copied, _Instances):
            earlier = copied if isinstance(copied, list) else []
            count = shown_count(raw, repeat, len(earlier))
            copied = _Instances(
                dict(earlier[i]) if i < len(earlier) and isinstance(earlier[i], dict) else {}
                for i in range(count)
            )
            answers[repeat] = copied
        for index, instance in enumerate(copied):
            key = instance_key(question.name, index)
            try:
                instance[question.name] = parse_value(question, raw.get(key, ()), self.max_text)
            except InvalidAnswer as exc:
                instance.pop(question.name, None)
                self.unparsed[key] = exc


class _Instances(list[Answers]):
    """A repeat's instances as one check copied them from the stored answers."""


def shown_count(raw: RawAnswers, repeat: str, default: int) -> int:
    """How many instances of `repeat` the page showed (its `count_key` field); anything but a
    number there is taken as what the answers hold."""
    sent = raw.get(count_key(repeat), ())
    text = sent[0].strip() if sent else ""
    if not _COUNT.fullmatch(text):  # ASCII digits only: int() refuses '²' that isdigit() takes
        return min(default, MAX_INSTANCES)
    return min(int(text), MAX_INSTANCES)


_COUNT = re.compile(r"[0-9]{1,6}")
# A repeat's field as a page names it: 'city[2]' (from 1, no leading zero), or 'site[]'
_FIELD = re.compile(r"([A-Za-z_][\w.-]*)\[([1-9][0-9]{0,5})?\]")


def check_page(
    form: Form,
    page: Page,
    raw: RawAnswers,
    answers: Mapping[str, Any],
    *,
    lang: str = "it",
    today: dt.date | None = None,
    max_text: int = MAX_TEXT_LENGTH,
) -> Checked:
    """Check one page's raw input against the answers already given on other pages."""
    checker = _Checker(form, lang, today, max_text)
    merged = dict(answers)
    checker.parse(page.questions, raw, merged)
    settled = checker.settle(merged, {q.name for q in page.questions})
    return Checked(settled, _ordered(form, checker.errors))


def work_out(
    form: Form,
    answers: Mapping[str, Any],
    defaults: Sequence[Question] = (),
    today: dt.date | None = None,
) -> Answers:
    """The answers as a page should see them before anything is sent: the defaults of
    `defaults` (the questions of a page not yet answered) taken as answers, calculations
    worked out, answers of questions that do not apply dropped. Nothing is judged. A form with
    neither calculations nor defaults gets `answers` back as they are."""
    given = dict(answers)
    for question in defaults:
        if question.repeat:
            continue  # a default in a repeat is each instance's, shown by its page
        if question.default is not None and question.name not in given:
            many = question.type is QuestionType.SELECT_MULTIPLE
            strings = question.default.split() if many else [question.default]
            with contextlib.suppress(InvalidAnswer):
                value = parse_value(question, strings)
                if value is not None:
                    given[question.name] = value
    worked = (q.calculation or q.type is QuestionType.HIDDEN for q in evaluation_order(form))
    if given == answers and not any(worked):
        return given
    return _Checker(form, form.default_language, today, MAX_TEXT_LENGTH).settle(given, set())


def check_submission(
    form: Form,
    raw: RawAnswers,
    *,
    lang: str = "it",
    today: dt.date | None = None,
    max_text: int = MAX_TEXT_LENGTH,
    allow_unknown: frozenset[str] = frozenset(),
) -> Checked:
    """Check a whole submission at once (CSV import, API, synthetic data)."""
    checker = _Checker(form, lang, today, max_text)
    known = {q.name for q in form.questions()}
    for name in sorted(set(raw) - known - allow_unknown - instance_fields(form, raw)):
        checker.errors.append(
            AnswerError(
                name, AnswerCode.UNKNOWN_FIELD, message(AnswerCode.UNKNOWN_FIELD, lang, field=name)
            )
        )
    answers: Answers = {}
    checker.parse(list(form.questions()), raw, answers)
    settled = checker.settle(answers, known)
    return Checked(settled, _ordered(form, checker.errors))


def instance_fields(form: Form, raw: Iterable[str]) -> set[str]:
    """The fields of `raw` that are instances of a repeat's questions ('city[2]') or a
    repeat's count of instances ('site[]')."""
    members, repeats = form.repeat_members(), form.repeats()
    if not members:
        return set()
    fields = set()
    for name in raw:
        found = _FIELD.fullmatch(name)
        if found is None:
            continue
        base, index = found[1], found[2]
        if (index and base in members) or (not index and base in repeats):
            fields.add(name)
    return fields


def _ordered(form: Form, errors: list[AnswerError]) -> tuple[AnswerError, ...]:
    """The errors in the form's order; a repeat's, instance by instance within each question
    (a page shows each instance's questions together, and says the first error first)."""
    if not errors:
        return ()
    order: dict[str, int] = {}
    for i, q in enumerate(form.questions()):
        order[q.name] = i
        if q.repeat:
            order.setdefault(q.repeat, i)  # a repeat's place: its first question's

    def place(error: AnswerError) -> tuple[int, int, int]:
        base, _, index = error.name.partition("[")
        question = order.get(base, -1)
        if index[:-1].isdigit():
            return (
                order.get(form.repeat_members().get(base, ""), question),
                int(index[:-1]),
                question,
            )
        return (question, 0, 0)

    return tuple(sorted(errors, key=place))


def evaluation_order(form: Form) -> tuple[Question, ...]:
    """The questions in the order their values can be worked out: each after those its
    relevance, calculation or `required` names, else in the sheet's order (a total calculated
    on the row above the numbers it adds, as ODK allows, would otherwise read them as empty).
    Kept on the form: forms are immutable. Loops are refused by `forms check` (FORM_CYCLE);
    one in a form stored before that check runs its questions in the sheet's order."""
    known = form.__dict__.get("_evaluation_order")
    if known is not None:
        return known  # type: ignore[no-any-return]
    questions = list(form.questions())
    place = {q.name: i for i, q in enumerate(questions)}
    repeats = form.repeats()
    within: dict[str, set[int]] = {}  # a repeat's questions: count(${repeat}) needs them all
    for i, q in enumerate(questions):
        if q.repeat:
            within.setdefault(q.repeat, set()).add(i)
    needs: list[set[int]] = []
    for q in questions:
        names: set[str] = set()
        texts = [q.relevant, q.calculation, q.required_if]
        if q.repeat:  # its instances are made from the repeat's count
            texts += [repeats[q.repeat].count, repeats[q.repeat].relevant]
        for text in texts:
            if text:
                with contextlib.suppress(ExpressionError):  # reported where it is evaluated
                    names |= parse_expression(text).references()
        wanted = {place[n] for n in names if n in place and n != q.name}
        for name in names & within.keys():
            if name != q.repeat:
                wanted |= within[name]
        needs.append(wanted)
    order: list[int] = []
    done: set[int] = set()
    while len(order) < len(questions):
        ready = next((i for i in range(len(questions)) if i not in done and needs[i] <= done), None)
        if ready is None:  # a loop: the rest in the sheet's order
            ready = next(i for i in range(len(questions)) if i not in done)
        order.append(ready)
        done.add(ready)
    result = tuple(questions[i] for i in order)
    object.__setattr__(form, "_evaluation_order", result)
    return result
