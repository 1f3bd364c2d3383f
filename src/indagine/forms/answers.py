"""Answers: raw strings -> typed values, skip logic, calculations, `required` and `constraint`.

Raw input is what a web form or a CSV row gives: a mapping from question name to a list of
strings (several for a multiple choice). Stored answers are JSON values: str (text, single
choice, ISO date), int, float, list[str] (multiple choice). Questions that are not relevant
keep no answer, as in ODK.
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

from indagine.forms.accept import accepted
from indagine.forms.expressions import ExpressionError, MapEnvironment, parse_expression
from indagine.forms.expressions.values import to_number
from indagine.forms.messages import AnswerCode, message
from indagine.forms.model import Choice, Form, Page, Question, QuestionType

Answers = dict[str, Any]
RawAnswers = Mapping[str, Sequence[str]]
MAX_TEXT_LENGTH = 10_000
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# A phone number as people write it: digits with spaces, dots, dashes, brackets, a leading +.
_PHONE = re.compile(r"\+?[0-9(][0-9 ./()-]{3,28}[0-9]")


@dataclass(frozen=True)
class AnswerError:
    name: str
    code: AnswerCode
    message: str


class InvalidAnswer(Exception):
    def __init__(self, code: AnswerCode, **values: object) -> None:
        super().__init__(code.value)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Checked:
    """Answers after a page or a whole submission was checked, with the problems found."""

    answers: Answers
    errors: tuple[AnswerError, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_value(question: Question, raw: Sequence[str], max_text: int = MAX_TEXT_LENGTH) -> Any:
    """One question's raw strings -> its stored value (None when unanswered)."""
    values = [v.strip() for v in raw if v is not None and v.strip() != ""]
    if question.type is QuestionType.SELECT_MULTIPLE:
        names = [n for v in values for n in v.split()]
        for name in names:
            if question.choice(name) is None:
                raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return [c.name for c in question.choices if c.name in names] or None
    if question.type is QuestionType.RANK:
        return _parse_rank(question, values)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidAnswer(AnswerCode.MULTIPLE_VALUES)
    return _parse_single(question, values[0], max_text)


def _parse_single(question: Question, value: str, max_text: int) -> Any:
    kind = question.type
    if kind is QuestionType.SELECT_ONE:
        if question.choice(value) is None:
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return value
    if kind is QuestionType.TEXT:
        # A browser sends each line break of a text box as CRLF (HTML's form encoding), while
        # the box's maxlength, string-length() and the respondent count one character: keep LF.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.replace("\x00", "")  # no one types it; PostgreSQL's JSON refuses it
        if len(value) > max_text:
            raise InvalidAnswer(AnswerCode.TOO_LONG, limit=max_text)
        return value
    if kind in (QuestionType.DATE, QuestionType.TIME, QuestionType.DATETIME):
        return _parse_moment(kind, value)
    if kind is QuestionType.PHONE:
        if not _PHONE.fullmatch(value) or sum(c.isdigit() for c in value) < 5:
            raise InvalidAnswer(AnswerCode.NOT_A_PHONE)
        return value
    if kind is QuestionType.ACKNOWLEDGE:
        if value.upper() != "OK":  # the page's one box sends "OK"
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        return "OK"
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        return _parse_number(question, value)
    if kind.is_upload:
        return _parse_upload(question, value)
    raise InvalidAnswer(AnswerCode.UNKNOWN_FIELD, field=question.name)


# An upload's answer: the name the server stored it under (`collect.uploads`), a random part
# and the file's own name made safe. The server's refusal of a file comes as "!" and its code.
UPLOAD_NAME = re.compile(r"[0-9a-f]{32}-[\w.\- ]{1,120}")
REFUSED_UPLOAD = "!"


def _parse_upload(question: Question, value: str) -> str:
    if value.startswith(REFUSED_UPLOAD):
        code, _, detail = value[1:].partition(":")
        if code == AnswerCode.FILE_TOO_LARGE:
            raise InvalidAnswer(AnswerCode.FILE_TOO_LARGE, limit=detail)
        raise InvalidAnswer(AnswerCode.FILE_TYPE, kinds=accepted(question).describe())
    if not UPLOAD_NAME.fullmatch(value):
        raise InvalidAnswer(AnswerCode.FILE_UNKNOWN)
    return value


# A time as people type it where the browser gives no time box: "9:30", "09.30", "9h30",
# "14:45:10"; what a browser's box sends ("09:30", "09:30:15") is among them.
_TIME = re.compile(r"(\d{1,2})\s*[:.hH]\s*(\d{2})(?:[:.](\d{2})(?:\.\d+)?)?")


def _parse_moment(kind: QuestionType, value: str) -> str:
    """A day ("2020-03-18"), a time ("09:30") or a day and time in the survey's time zone
    ("2020-03-18T09:30"), as ISO 8601 writes them."""
    if kind is QuestionType.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise InvalidAnswer(AnswerCode.BAD_DATE) from None
    if kind is QuestionType.TIME:
        return _parse_time(value, AnswerCode.BAD_TIME)
    day, _, moment = value.replace("T", " ").partition(" ")
    try:
        date = dt.date.fromisoformat(day.strip()).isoformat()
    except ValueError:
        raise InvalidAnswer(AnswerCode.BAD_DATETIME) from None
    return f"{date}T{_parse_time(moment.strip(), AnswerCode.BAD_DATETIME)}"


def _parse_time(value: str, code: AnswerCode) -> str:
    """A time of day as ISO 8601 writes it, "09:30" (with seconds when given)."""
    match = _TIME.fullmatch(value)
    if match is None:
        raise InvalidAnswer(code)
    hours, minutes, seconds = (int(g) if g else None for g in match.groups())
    if hours is None or minutes is None or hours > 23 or minutes > 59 or (seconds or 0) > 59:
        raise InvalidAnswer(code)
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds is not None else "")


def _parse_rank(question: Question, values: Sequence[str]) -> str | None:
    """A ranking as the page sends it: with the script, the choices in order in one value
    ("b a c"); without it, each choice's position as "name:position" from one menu per choice
    (an empty position: not ranked). Stored as ODK stores it, the names first first. Two items
    at one position, or some ranked and others not, is refused; none ranked is no answer."""
    names = [c.name for c in question.choices]
    if len(values) == 1 and ":" not in values[0]:
        order = values[0].split()
        if any(name not in names for name in order):
            raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
        twice = next((i for i, name in enumerate(order) if name in order[:i]), None)
        if twice is not None:  # one item at two positions: the first is its own
            raise InvalidAnswer(AnswerCode.RANK_TIE, position=order.index(order[twice]) + 1)
        positions = {name: str(i) for i, name in enumerate(order, start=1)}
    else:
        positions = {}
        for value in values:
            name, _, position = value.partition(":")
            if name not in names or name in positions:
                raise InvalidAnswer(AnswerCode.UNKNOWN_CHOICE)
            positions[name] = position.strip()
    ranked = {name: pos for name, pos in positions.items() if pos}
    if not ranked:
        return None
    if not all(p.isdigit() and 1 <= int(p) <= len(names) for p in ranked.values()):
        raise InvalidAnswer(AnswerCode.RANK_INCOMPLETE, end=len(names))
    taken: dict[int, str] = {}
    for name, pos in ranked.items():
        if int(pos) in taken:
            raise InvalidAnswer(AnswerCode.RANK_TIE, position=int(pos))
        taken[int(pos)] = name
    if len(taken) != len(names):
        raise InvalidAnswer(AnswerCode.RANK_INCOMPLETE, end=len(names))
    return " ".join(taken[position] for position in sorted(taken))


def _parse_number(question: Question, value: str) -> int | float:
    text = value.replace(" ", "").replace(",", ".")
    # Plain decimals only: Python's float() would also take '1e3', '1_000', 'inf' and 'nan'.
    if not _NUMBER.fullmatch(text) or len(text) > 30:
        # a whole-number question's example has no decimals (it would invite one it refuses)
        raise InvalidAnswer(AnswerCode.NOT_A_NUMBER, whole=question.type is QuestionType.INTEGER)
    number = float(text)
    if question.type is QuestionType.INTEGER:
        if not number.is_integer():
            raise InvalidAnswer(AnswerCode.NOT_AN_INTEGER)
        return int(number)
    if question.type is QuestionType.RANGE:
        start, end, step = (float(question.parameters[k]) for k in ("start", "end", "step"))
        steps = (number - start) / step
        if not start <= number <= end or abs(steps - round(steps)) > 1e-9:
            multiple = abs(start / step - round(start / step)) < 1e-9
            raise InvalidAnswer(
                AnswerCode.OUT_OF_RANGE,
                start=_num(start),
                end=_num(end),
                step=_num(step),
                multiple=multiple,
            )
        return int(number) if all(x.is_integer() for x in (start, step)) else number
    return number  # a decimal question always stores a float: one type per column


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated in a form with repeats: `members` names the repeat of
    each question asked in one (`Form.repeat_members`), `instance` the repeat and index (from
    0) of the instance the question is asked in, None for a question asked once."""

    members: Mapping[str, str] | None = None
    instance: tuple[str, int] | None = None


_TOP = Scope()


def _environment(
    answers: Mapping[str, Any],
    today: dt.date | None,
    current: Any = None,
    row: Mapping[str, str] | None = None,
    scope: Scope = _TOP,
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
    scope: Scope = _TOP,
) -> bool:
    """Does the question apply, given the answers so far (its `relevant` and its groups')?"""
    if not question.relevant:
        return True
    return parse_expression(question.relevant).test(_environment(answers, today, scope=scope))


def is_required(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None,
    *,
    scope: Scope = _TOP,
) -> bool:
    if question.required_if:
        env = _environment(answers, today, scope=scope)
        return parse_expression(question.required_if).test(env)
    return question.required


def available_rows(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = _TOP,
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
            _environment(answers, today, row={"name": c.name, **c.columns}, scope=scope)
        )
    )


def available_choices(
    question: Question,
    answers: Mapping[str, Any],
    today: dt.date | None = None,
    *,
    scope: Scope = _TOP,
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
    scope: Scope = _TOP,
) -> bool:
    """Is the question on the respondent's screen: relevant, and, for a select with a
    `choice_filter`, left some choice to make? A select whose filter leaves nothing is not
    shown, so it is neither required nor answered (a respondent could not see why the page
    would not move on)."""
    if not is_relevant(question, answers, today, scope=scope):
        return False
    return not question.choice_filter or bool(available_rows(question, answers, today, scope=scope))


def _calculate(
    question: Question, answers: Mapping[str, Any], today: dt.date | None, scope: Scope = _TOP
) -> Any:
    assert question.calculation
    env = _environment(answers, today, scope=scope)
    value = parse_expression(question.calculation).evaluate(env)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() else value
    return value if value != "" else None


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
        env = _environment(settled, self.today, scope=self.top)  # sees `settled` grow
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
                value = _calculate(question, settled, self.today, scope)
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
            env = _environment(settled, self.today, scope=scope)
            before = given[index].get(name) if index < len(given) else None
            key = instance_key(name, index)
            value = self.one(question, key, relevant, kind, env, before, checked)
            if value is not _NOTHING:
                instance[name] = value

    def instances(self, name: str, answers: Answers, settled: Answers) -> list[Answers] | None:
        """The repeat's instances, empty, kept in `settled`: as many as its count says, or as
        the answers hold; None when the repeat does not apply."""
        repeat = self.repeats[name]
        env = _environment(settled, self.today, scope=self.top)
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
            env = _environment(answers, self.today, current=value, scope=scope)
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
    if not text.isdigit():
        return min(default, MAX_INSTANCES)
    return min(int(text), MAX_INSTANCES)


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
        base, _, index = name.partition("[")
        if (base in members and index[:-1].isdigit()) or (base in repeats and index == "]"):
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


def page_is_relevant(
    page: Page, answers: Mapping[str, Any], today: dt.date | None = None, form: Form | None = None
) -> bool:
    """A page is shown when at least one of its questions or notes applies; a repeat's when
    the repeat does (its instances are added on the page, so none may be there yet)."""
    scope = Scope(form.repeat_members() or None) if form is not None else _TOP
    for repeat in page.repeats.values():
        env = _environment(answers, today, scope=scope)
        if not repeat.relevant or parse_expression(repeat.relevant).test(env):
            return True
    return any(
        applies(q, answers, today, scope=scope)
        for q in page.questions
        if q.type.is_shown and not q.repeat
    )


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
