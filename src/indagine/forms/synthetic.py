"""Synthetic respondents: plausible raw answers for a form, for demos and load tests.

`synthesize` walks the form in order as one respondent would: each question that applies given
the answers so far (`is_relevant`) gets raw strings, as a web form posts them, drawn from a
`Profile` (or uniformly when the profile says nothing), then kept only if its `constraint` holds.
`synthesize_valid` runs the result through `check_submission`, the path real answers take.

The respondent model is deliberately small:
- single choice: weighted draw among the choices the `choice_filter` leaves;
- multiple choice: each choice ticked independently with its own probability, an exclusive
  choice ("none") ticked alone, at least one choice when the question is answered;
- numbers: a normal draw (mean, sd) clipped to the bounds the constraint names, snapped to a step;
- text: a phrase from a small neutral bank in the form's default language;
- a respondent-level propensity z ~ N(0, 1) tilts every scale (single choice with numeric scores)
  the same way: weight × exp(latent · z · s), s the choice's score rescaled to [-1, 1];
- `Shift`s make one answer depend on an earlier one, for crosstabs with real associations.

Everything is drawn from the `random.Random` passed in, so one seed gives one data set (dates are
relative to `today`, which defaults to the system date: pass it for full reproducibility).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from indagine.forms.answers import (
    MAX_INSTANCES,
    Answers,
    InvalidAnswer,
    Scope,
    available_choices,
    check_submission,
    count_key,
    instance_key,
    is_relevant,
    is_required,
    parse_value,
)
from indagine.forms.expressions import ExpressionError, MapEnvironment, parse_expression
from indagine.forms.expressions.values import format_number, to_number
from indagine.forms.model import Choice, Form, Question, QuestionType

RawAnswers = dict[str, list[str]]

DRAWS = 30
"""Random candidates tried per question before the systematic fallbacks."""
DEFAULT_INCLUSION = 0.35
"""Chance of ticking a choice of a multiple choice the profile does not weigh."""
OTHER_FACTOR = 0.2
"""Default weight of an 'other' choice relative to the rest (people seldom need it)."""
EXCLUSIVE = ("none", "nessuno", "nessuna", "dont_know", "non_so")
"""Names of multiple-choice options that are ticked alone."""
EXCLUSIVE_INCLUSION = 0.05
"""Chance of ticking an exclusive choice the profile does not weigh, before any other."""
OTHER = ("other", "altro")

_NUMBER = re.compile(r"(?<![\w.$])-?\d+(?:\.\d+)?")

_PHRASES: Mapping[str, tuple[str, ...]] = {
    "it": (
        "Nulla da aggiungere.",
        "Nel complesso l'esperienza è stata positiva.",
        "All'inizio ci sono state difficoltà, poi superate.",
        "Abbiamo dovuto adattarci rapidamente.",
        "La situazione è ancora in evoluzione.",
        "Il bilancio è positivo, con qualche punto da migliorare.",
    ),
    "en": (
        "Nothing to add.",
        "On the whole the experience has been positive.",
        "There were difficulties at first, since overcome.",
        "We had to adapt quickly.",
        "The situation is still evolving.",
        "A positive balance, with a few things to improve.",
    ),
}
_SPECIFY: Mapping[str, tuple[str, ...]] = {
    "it": ("Altro", "Non elencato", "Diverso dalle opzioni proposte", "Misto"),
    "en": ("Other", "Not listed", "None of the listed options", "Mixed"),
}


# A required upload's answer in synthetic data: a name in the stored names' shape that names
# no file (an organiser who downloads it is told there is none).
SYNTHETIC_UPLOAD = "0" * 32 + "-synthetic.pdf"


@dataclass(frozen=True)
class Shift:
    """When `when` (an XLSForm expression over the answers so far) holds, multiply the weights
    of `question`'s choices by `factors` (for a multiple choice, the odds of ticking each one)
    and move the mean of a numeric `question` by `offset`."""

    question: str
    when: str
    factors: Mapping[str, float] = field(default_factory=dict)
    offset: float = 0.0


@dataclass(frozen=True)
class Profile:
    """How a population of respondents answers a form; every field is optional.

    weights: question -> choice -> weight. For a single choice, relative weights; for a multiple
        choice, the probability (0-1) of ticking each choice. A choice the question's mapping
        leaves out is never picked; a question left out is answered uniformly.
    numbers: question -> (mean, sd) of a normal draw, clipped to the constraint's bounds.
    steps: question -> the step answers are rounded to (default 1 for integers, 0.1 for decimals,
        the `step` parameter for a range).
    texts: question -> phrases to pick from, instead of the neutral bank.
    answer_rate: probability an optional question is answered; `answer_rates` per question.
    latent: strength of the respondent's propensity on scales (0 for none; 0.3-0.6 is modest).
    shifts: conditional effects, applied in order, each multiplying the weights.
    """

    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    numbers: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    steps: Mapping[str, float] = field(default_factory=dict)
    texts: Mapping[str, Sequence[str]] = field(default_factory=dict)
    answer_rate: float = 0.7
    answer_rates: Mapping[str, float] = field(default_factory=dict)
    latent: float = 0.0
    shifts: tuple[Shift, ...] = ()


class SynthesisError(Exception):
    """No response that passes the form's checks could be generated."""


def synthesize(
    form: Form, rng: random.Random, profile: Profile | None = None, *, today: dt.date | None = None
) -> RawAnswers:
    """Raw answers (name -> strings, as a web form posts them) of one plausible respondent."""
    respondent = _Respondent(
        rng, profile or Profile(), today or dt.date.today(), form.default_language, form
    )
    for question in form.questions():
        respondent.visit(question)
    return respondent.raw


def synthesize_valid(
    form: Form,
    rng: random.Random,
    profile: Profile | None = None,
    *,
    today: dt.date | None = None,
    attempts: int = 20,
) -> RawAnswers:
    """`synthesize` until `check_submission` finds no error; SynthesisError after `attempts`."""
    errors: tuple[Any, ...] = ()
    for _ in range(attempts):
        raw = synthesize(form, rng, profile, today=today)
        checked = check_submission(form, raw, lang="en", today=today)
        if checked.ok:
            return raw
        errors = checked.errors
    detail = "; ".join(f"{e.name}: {e.code} ({e.message})" for e in errors)
    raise SynthesisError(
        f"No valid synthetic response for form '{form.form_id}' in {attempts} "
        f"attempts; the last one failed on {detail}"
    )


class _Respondent:
    """One respondent walking the form: the answers so far, typed and raw."""

    def __init__(
        self, rng: random.Random, profile: Profile, today: dt.date, lang: str, form: Form
    ) -> None:
        self.rng = rng
        self.profile = profile
        self.today = today
        self.lang = lang if lang in _PHRASES else "en"
        self.propensity = rng.gauss(0.0, 1.0)
        self.answers: Answers = {}
        self.raw: RawAnswers = {}
        self.repeats = form.repeats()
        self.top = Scope(form.repeat_members() or None)
        # Where the question being answered is asked: the answers, or an instance of its
        # repeat (its dict, its scope and its field's name, 'city[2]')
        self.scope, self.store, self.key = self.top, self.answers, ""

    def env(self, current: Any = None) -> MapEnvironment:
        return MapEnvironment(
            self.answers, current, self.today, members=self.top.members, scope=self.scope.instance
        )

    def visit(self, question: Question) -> None:
        if not question.repeat:
            self.scope, self.store, self.key = self.top, self.answers, question.name
            self.visit_here(question)
            return
        for index, instance in enumerate(self.instances(question.repeat)):
            self.scope = Scope(self.top.members, (question.repeat, index))
            self.store, self.key = instance, instance_key(question.name, index)
            self.visit_here(question)
        self.scope, self.store = self.top, self.answers

    def instances(self, name: str) -> list[Answers]:
        """The repeat's instances, made the first time one of its questions comes up: as many
        as its count says, or as this respondent adds (mostly one to three, now and then
        none); none when the repeat does not apply."""
        made = self.answers.get(name)
        if isinstance(made, list):
            return made
        repeat, self.scope = self.repeats[name], self.top
        try:
            if repeat.relevant and not parse_expression(repeat.relevant).test(self.env()):
                return []
            if repeat.count:
                number = to_number(parse_expression(repeat.count).evaluate(self.env()))
                count = 0 if math.isnan(number) else int(max(0.0, min(number, MAX_INSTANCES)))
            else:
                count = self.rng.choices((0, 1, 2, 3), (0.1, 0.4, 0.3, 0.2))[0]
        except ExpressionError:
            return []
        self.raw[count_key(name)] = [str(count)]
        instances: list[Answers] = [{} for _ in range(count)]
        self.answers[name] = instances
        return instances

    def visit_here(self, question: Question) -> None:
        """Answer the question where it is asked now (`scope`), if it applies there."""
        try:
            if not is_relevant(question, self.answers, self.today, scope=self.scope):
                return
            if question.type is QuestionType.CALCULATE:
                value = _calculate(question, self.env())
                if value is not None:
                    self.store[question.name] = value
                return
            if not question.type.takes_input:
                return
            required = is_required(question, self.answers, self.today, scope=self.scope)
            rate = self.profile.answer_rates.get(question.name, self.profile.answer_rate)
            if not required and self.rng.random() >= rate:
                return
            self.answer(question, required)
        except ExpressionError:
            return  # check_submission reports the broken expression

    def answer(self, question: Question, required: bool) -> None:
        if question.type.is_upload and not required:
            return  # an optional upload: none
        last: list[str] | None = None
        for raw in self.candidates(question):
            try:
                value = parse_value(question, raw)
            except InvalidAnswer:
                continue
            last = raw
            if value is not None and self.passes(question, value):
                self.keep(question, raw, value)
                return
        if required and last is not None:  # nothing passes: let check_submission say why
            self.raw[self.key] = last

    def keep(self, question: Question, raw: list[str], value: Any) -> None:
        self.raw[self.key] = raw
        self.store[question.name] = value

    def passes(self, question: Question, value: Any) -> bool:
        if not question.constraint:
            return True
        try:
            return parse_expression(question.constraint).test(self.env(current=value))
        except ExpressionError:
            return False

    def candidates(self, question: Question) -> Iterator[list[str]]:
        kind = question.type
        if kind.is_upload:  # no file is made up: the name of none, where one is required
            return iter([[SYNTHETIC_UPLOAD]])
        if kind is QuestionType.SELECT_ONE:
            return ([name] for name in self.single(question))
        if kind is QuestionType.SELECT_MULTIPLE:
            return self.multiple(question)
        if kind is QuestionType.TEXT:
            return ([text] for text in self.texts(question))
        if kind is QuestionType.DATE:
            return ([day] for day in self.dates())
        if kind is QuestionType.TIME:
            return ([f"{self.rng.randint(7, 19)}:{self.rng.choice(['00', '15', '30', '45'])}"]
                    for _ in range(DRAWS))  # fmt: skip
        if kind is QuestionType.DATETIME:
            return ([f"{day} {self.rng.randint(7, 19)}:30"] for day in self.dates())
        if kind is QuestionType.PHONE:
            return ([self.phone()] for _ in range(DRAWS))
        if kind is QuestionType.ACKNOWLEDGE:
            return iter([["OK"]])
        if kind is QuestionType.RANK:
            return ([" ".join(self.ranking(question))] for _ in range(DRAWS))
        return ([number] for number in self.numbers(question))

    # -- choices

    def factors(self, question: Question) -> dict[str, float]:
        """The product of the factors of every shift on `question` whose condition holds."""
        product: dict[str, float] = {}
        for shift in self.profile.shifts:
            if shift.question == question.name and shift.factors and self.holds(shift):
                for name, factor in shift.factors.items():
                    product[name] = product.get(name, 1.0) * factor
        return product

    def holds(self, shift: Shift) -> bool:
        return parse_expression(shift.when).test(self.env())

    def single(self, question: Question) -> Iterator[str]:
        choices = available_choices(question, self.answers, self.today, scope=self.scope)
        if not choices:
            return
        weights = self.single_weights(question, choices)
        for _ in range(DRAWS):
            yield self.rng.choices(choices, weights)[0].name
        yield from (c.name for c in choices)

    def single_weights(self, question: Question, choices: Sequence[Choice]) -> list[float]:
        given = self.profile.weights.get(question.name)
        if given is not None:
            weights = [max(0.0, given.get(c.name, 0.0)) for c in choices]
        else:
            weights = [OTHER_FACTOR if c.name in OTHER else 1.0 for c in choices]
        factors = self.factors(question)
        weights = [w * factors.get(c.name, 1.0) for w, c in zip(weights, choices, strict=True)]
        if question.is_scale and self.profile.latent:
            weights = [w * self._tilt(question, c) for w, c in zip(weights, choices, strict=True)]
        return weights if sum(weights) > 0 else [1.0] * len(choices)

    def _tilt(self, question: Question, choice: Choice) -> float:
        scores = [c.score for c in question.choices if c.score is not None]
        low, high = min(scores), max(scores)
        half = (high - low) / 2 or 1.0
        position = ((choice.score or 0.0) - (low + high) / 2) / half
        return math.exp(self.profile.latent * self.propensity * position)

    def multiple(self, question: Question) -> Iterator[list[str]]:
        choices = available_choices(question, self.answers, self.today, scope=self.scope)
        if not choices:
            return
        chances = self.inclusion(question, choices)
        for _ in range(DRAWS):
            yield self.subset(choices, chances)
        yield from ([c.name] for c in choices)

    def inclusion(self, question: Question, choices: Sequence[Choice]) -> list[float]:
        given = self.profile.weights.get(question.name)
        factors = self.factors(question)
        chances = []
        for choice in choices:
            if given is not None:
                p = min(1.0, max(0.0, given.get(choice.name, 0.0)))
            elif choice.name in EXCLUSIVE:
                p = EXCLUSIVE_INCLUSION
            else:
                p = DEFAULT_INCLUSION * (OTHER_FACTOR if choice.name in OTHER else 1.0)
            f = factors.get(choice.name, 1.0)
            chances.append(p * f / (1 - p + p * f) if 0 < p < 1 else p)  # odds × f
        return chances

    def subset(self, choices: Sequence[Choice], chances: Sequence[float]) -> list[str]:
        """An exclusive choice alone, or others ticked independently (at least one, drawn by
        weight when the independent draws tick none)."""
        pairs = list(zip(choices, chances, strict=True))
        exclusive = [(c, p) for c, p in pairs if c.name in EXCLUSIVE]
        inclusive = [(c, p) for c, p in pairs if c.name not in EXCLUSIVE]
        for choice, p in exclusive:
            if self.rng.random() < p:
                return [choice.name]
        picked = [c.name for c, p in inclusive if self.rng.random() < p]
        if picked or not inclusive:
            return picked or [exclusive[0][0].name]
        weights = [p for _, p in inclusive]
        if not any(weights):
            weights = [1.0] * len(inclusive)
        return [self.rng.choices([c for c, _ in inclusive], weights)[0].name]

    # -- numbers, texts and dates

    def ranking(self, question: Question) -> list[str]:
        """The choices in a random order, the profile's likelier ones nearer the top."""
        weights = self.single_weights(question, question.choices)
        keys = [self.rng.random() ** (1 / max(w, 1e-9)) for w in weights]  # weighted shuffle
        ordered = sorted(zip(keys, question.choices, strict=True), key=lambda kc: -kc[0])
        return [choice.name for _, choice in ordered]

    def numbers(self, question: Question) -> Iterator[str]:
        low, high = _bounds(question)
        step, origin = self.step(question)
        spread = self.profile.numbers.get(question.name)
        offset = sum(
            s.offset
            for s in self.profile.shifts
            if s.question == question.name and s.offset and self.holds(s)
        )
        for _ in range(DRAWS):
            if spread is not None:
                x = self.rng.gauss(spread[0] + offset, spread[1])
            else:
                x = self.rng.uniform(low, high)
            yield self.number(question, min(high, max(low, x)), step, origin, low, high)
        for x in self.fallback_numbers(question, low, high, step):
            yield self.number(question, x, step, origin, -math.inf, math.inf)

    def step(self, question: Question) -> tuple[float, float]:
        """The rounding step and its origin (a range's start, else 0)."""
        if question.type is QuestionType.RANGE:
            step = float(question.parameters.get("step", "1"))
            return self.profile.steps.get(question.name, step), float(
                question.parameters.get("start", "0")
            )
        default = 1.0 if question.type is QuestionType.INTEGER else 0.1
        step = self.profile.steps.get(question.name, default)
        if question.type is QuestionType.INTEGER:
            step = max(1.0, float(round(step)))
        return step, 0.0

    @staticmethod
    def number(
        question: Question, x: float, step: float, origin: float, low: float, high: float
    ) -> str:
        k = round((x - origin) / step)
        value = origin + k * step
        if value > high:
            value -= step
        if value < low:
            value += step
        value = round(value, 9)
        if question.type is QuestionType.INTEGER:
            return str(round(value))
        return format_number(value)

    def fallback_numbers(
        self, question: Question, low: float, high: float, step: float
    ) -> list[float]:
        """Numbers the constraint names, its neighbours, and the numeric answers it refers to."""
        literals = [float(m) for m in _NUMBER.findall(question.constraint or "")]
        referred: list[float] = []
        if question.constraint:
            for name in sorted(parse_expression(question.constraint).references()):
                value = self.store.get(name, self.answers.get(name))
                if isinstance(value, int | float) and not isinstance(value, bool):
                    referred.append(float(value))
        near = [x + d for x in literals + referred for d in (0.0, step, -step, 1.0, -1.0)]
        return [*near, low, high, (low + high) / 2, 0.0]

    def texts(self, question: Question) -> Iterator[str]:
        bank = tuple(self.profile.texts.get(question.name, ()))
        if not bank:
            bank = _SPECIFY[self.lang] if _is_specify(question) else _PHRASES[self.lang]
        for _ in range(DRAWS):
            yield self.rng.choice(bank)
        yield from bank

    def phone(self) -> str:
        return f"+39 0{self.rng.randint(2, 99)} {self.rng.randint(100000, 9999999)}"

    def dates(self) -> Iterator[str]:
        for _ in range(DRAWS):
            yield (self.today - dt.timedelta(days=self.rng.randint(0, 365))).isoformat()
        for _ in range(DRAWS):
            yield (self.today + dt.timedelta(days=self.rng.randint(1, 365))).isoformat()


def _bounds(question: Question) -> tuple[float, float]:
    """The interval answers are drawn from: a range's ends, or the outermost numbers of the
    constraint (two or more), else 0-100 stretched to the one number it names."""
    if question.type is QuestionType.RANGE:
        return float(question.parameters["start"]), float(question.parameters["end"])
    literals = sorted(float(m) for m in _NUMBER.findall(question.constraint or ""))
    if len(literals) >= 2:
        return literals[0], literals[-1]
    low, high = 0.0, 100.0
    for x in literals:
        low, high = min(low, x), max(high, x)
    return low, high


def _is_specify(question: Question) -> bool:
    """Is this the 'other, please specify' text that follows a choice?"""
    relevant = question.relevant or ""
    return question.name.endswith(tuple(f"_{o}" for o in OTHER)) or any(
        f"'{o}'" in relevant for o in OTHER
    )


def _calculate(question: Question, env: MapEnvironment) -> Any:
    """A calculation's stored value, as `check_submission` computes it."""
    assert question.calculation
    value = parse_expression(question.calculation).evaluate(env)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return int(value) if value.is_integer() else value
    return value if value != "" else None
