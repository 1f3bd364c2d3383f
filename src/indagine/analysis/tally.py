"""Tallies: what the findings need from the answers, as counts and sums that add up by chunks.

Every estimate of ``analysis.compute`` is a function of these sufficient statistics, taken per
raking cell (the cross-classification of the margin questions' answers, a missing answer being
a level of its own): for a single choice the count of each answer; for a multiple choice the
answered rows, the ticks and the products of ticks; for a number the answered rows, Σy, Σy² and
its lowest and highest value; for a ranking the same of each item's rank (``stats.ranking``: an
item a partial ranking leaves out takes the mean of the places left) and the count of each item
ranked first, as for a single choice; for a contrast the counts of (profile answer, item
answer); for a conditional question the rows it was asked of. The tally of old rows plus the
tally of new rows is the tally of all rows, so the findings follow new answers at a cost
proportional to the new rows. Exact confidence sequences depend on the order of the answers:
their values are kept, with completion time and id, while a question has at most `exact_up_to`
answers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.forms.model import Form, Question, QuestionType
from indagine.stats.ranking import parse_rankings

from .anytime import EXACT_UP_TO
from .columns import BoolArray, Columns
from .conditions import choice_condition
from .frame import COMPLETED_AT, ID, choice_column

FloatArray = npt.NDArray[np.float64]
CountArray = npt.NDArray[np.int64]
NUMBERS = (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE)
PATTERNS_UP_TO = 12
"""Multiple choices with at most this many choices are tallied by tick pattern (2^k groups)."""


@dataclass(frozen=True)
class Plan:
    """What to tally besides every question: the raking cells and the contrast crosstabs."""

    margins: tuple[str, ...] = ()  # single-choice questions whose answers make the cells
    pairs: tuple[tuple[str, str], ...] = ()  # (scale item, profile question)
    exact_up_to: int | None = EXACT_UP_TO


@dataclass(frozen=True, eq=False)
class Arrivals:
    """One question's answers with their completion time (µs) and id, in any order (a
    ranking's values are rows of every item's rank)."""

    times: CountArray
    ids: CountArray
    values: FloatArray

    def ordered(self) -> FloatArray:
        """The values in order of completion, ties by id (``columns.in_arrival_order``)."""
        order = np.lexsort((self.ids, self.times))
        ordered: FloatArray = self.values[order]
        return ordered

    def __add__(self, other: Arrivals) -> Arrivals:
        return Arrivals(
            np.concatenate([self.times, other.times]),
            np.concatenate([self.ids, other.ids]),
            np.concatenate([self.values, other.values]),
        )


@dataclass(frozen=True, eq=False)
class Ticks:
    """A multiple choice per cell: rows answered, ticks of each choice, ticks of each pair."""

    answered: CountArray  # cells
    sums: CountArray  # cells × k
    cross: CountArray  # cells × k × k

    def __add__(self, other: Ticks) -> Ticks:
        return Ticks(
            self.answered + other.answered, self.sums + other.sums, self.cross + other.cross
        )


@dataclass(frozen=True, eq=False)
class Numbers:
    """A number per cell: rows answered, Σy and Σ(y - ȳ_c)²; its lowest and highest value."""

    answered: CountArray
    total: FloatArray
    scatter: FloatArray
    low: float
    high: float

    def __add__(self, other: Numbers) -> Numbers:
        """Scatters combined by Chan, Golub and LeVeque (1979): + δ² n_a n_b / (n_a + n_b)."""
        a, b = self.answered.astype(np.float64), other.answered.astype(np.float64)
        both = a + b
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = other.total / b - self.total / a
            extra = np.where((a > 0) & (b > 0), delta * delta * a * b / both, 0.0)
        return Numbers(
            self.answered + other.answered,
            self.total + other.total,
            self.scatter + other.scatter + extra,
            min(self.low, other.low),
            max(self.high, other.high),
        )


@dataclass(frozen=True, eq=False)
class Ranks:
    """A ranking per cell: each item's rank as a number, and each item's count ranked first
    (cells × (k + 1), the last column the rows that did not answer)."""

    items: tuple[Numbers, ...]
    first: CountArray

    def __add__(self, other: Ranks) -> Ranks:
        items = tuple(a + b for a, b in zip(self.items, other.items, strict=True))
        return Ranks(items, self.first + other.first)


def _add_arrivals(a: Arrivals | None, b: Arrivals | None, limit: int | None) -> Arrivals | None:
    if a is None or b is None:
        return None
    merged = a + b
    return None if limit is not None and merged.values.size > limit else merged


@dataclass(frozen=True, eq=False)
class Tally:
    """The sufficient statistics of some rows (see the module's docstring)."""

    plan: Plan
    n: int
    shape: tuple[int, ...]  # levels + 1 (missing) of each margin question
    rows: CountArray  # rows per cell
    choices: Mapping[str, CountArray]  # cells × (k + 1): each answer, then unanswered
    ticks: Mapping[str, Ticks]
    numbers: Mapping[str, Numbers]
    ranks: Mapping[str, Ranks]
    asked: Mapping[str, int]  # rows a conditional question was asked of (or answered)
    pairs: Mapping[tuple[str, str], CountArray]  # cells × (k_by + 1) × (k_item + 1)
    arrivals: Mapping[str, Arrivals | None]  # None: more than exact_up_to answers

    def __add__(self, other: Tally) -> Tally:
        if self.plan != other.plan or self.shape != other.shape:
            raise ValueError("tallies of different plans cannot be added")
        limit = self.plan.exact_up_to
        return Tally(
            self.plan,
            self.n + other.n,
            self.shape,
            self.rows + other.rows,
            {k: v + other.choices[k] for k, v in self.choices.items()},
            {k: v + other.ticks[k] for k, v in self.ticks.items()},
            {k: v + other.numbers[k] for k, v in self.numbers.items()},
            {k: v + other.ranks[k] for k, v in self.ranks.items()},
            {k: v + other.asked[k] for k, v in self.asked.items()},
            {k: v + other.pairs[k] for k, v in self.pairs.items()},
            {k: _add_arrivals(v, other.arrivals[k], limit) for k, v in self.arrivals.items()},
        )


def _cells(
    form: Form, columns: Columns, margins: tuple[str, ...]
) -> tuple[CountArray, tuple[int, ...]]:
    cell = np.zeros(columns.n, dtype=np.int64)
    shape = []
    for name in margins:
        question = form.question(name)
        if question is None or question.type is not QuestionType.SELECT_ONE:
            raise ValueError(f"margin {name!r} is not a single-choice question of the form")
        k = len(question.choices)
        codes = columns.codes(question)
        cell = cell * (k + 1) + np.where(codes < 0, k, codes)
        shape.append(k + 1)
    return cell, tuple(shape)


def _slots(columns: Columns, question: Question) -> CountArray:
    """Codes in the order of the choices, unanswered as k."""
    codes = columns.codes(question)
    return np.where(codes < 0, len(question.choices), codes).astype(np.int64)


def _ticks(frame: pl.DataFrame, question: Question, cell: CountArray, size: int) -> Ticks:
    names = [choice_column(question.name, c.name) for c in question.choices]
    k = len(names)
    ticked = [pl.col(c).fill_null(False).cast(pl.Int64) for c in names]
    if k <= PATTERNS_UP_TO:
        pattern = pl.sum_horizontal([t * (1 << j) for j, t in enumerate(ticked)])
        answered = pl.any_horizontal([pl.col(c).is_not_null() for c in names])
        both = frame.select(pattern.alias("p"), answered.alias("a"))
        ok = both.get_column("a").to_numpy().astype(bool)
        patterns = both.get_column("p").to_numpy().astype(np.int64)
        counts = np.bincount(cell[ok] * (1 << k) + patterns[ok], minlength=size * (1 << k)).reshape(
            size, 1 << k
        )
        bits = ((np.arange(1 << k)[:, None] >> np.arange(k)) & 1).astype(np.int64)
        cross = np.einsum("cp,pi,pj->cij", counts, bits, bits)
        return Ticks(counts.sum(axis=1), counts @ bits, cross)
    matrix = frame.select(ticked).to_numpy().astype(np.int64)
    flags = frame.select(pl.any_horizontal([pl.col(c).is_not_null() for c in names]))
    mask = flags.to_series().to_numpy().astype(bool)
    cross = np.zeros((size, k, k), dtype=np.int64)
    for c in np.unique(cell[mask]):
        rows = matrix[mask & (cell == c)]
        cross[c] = rows.T @ rows
    sums = np.stack([np.bincount(cell[mask], matrix[mask, j], size) for j in range(k)], axis=1)
    return Ticks(np.bincount(cell[mask], minlength=size), sums.astype(np.int64), cross)


def _numbers(values: FloatArray, cell: CountArray, size: int) -> Numbers:
    ok = ~np.isnan(values)
    y, where = values[ok], cell[ok]
    answered = np.bincount(where, minlength=size)
    total = np.bincount(where, y, size).astype(np.float64)
    mean = total / np.where(answered > 0, answered, 1)
    deviation = y - mean[where]
    return Numbers(
        answered,
        total,
        np.bincount(where, deviation * deviation, size).astype(np.float64),
        float(y.min()) if y.size else math.inf,
        float(y.max()) if y.size else -math.inf,
    )


def _orders(frame: pl.DataFrame, question: Question) -> pl.Series:
    """A ranking's answers, those that are not a ranking of its choices as unanswered.

    The answers were checked as they were given; one that names a choice the form no longer
    has or names one twice would otherwise stop every finding (``parse_rankings`` refuses it)."""
    names = [c.name for c in question.choices]
    column = frame.get_column(question.name).cast(pl.String)
    tokens = column.str.extract_all(r"\S+")
    valid = tokens.list.eval(pl.element().is_in(names)).list.all() & (
        tokens.list.n_unique() == tokens.list.len()
    )
    return column.set(~valid.fill_null(True), None)


def _ranks(
    frame: pl.DataFrame, question: Question, cell: CountArray, size: int
) -> tuple[Ranks, FloatArray]:
    """The ranking's tally and each row's rank of every item (NaN where unanswered)."""
    parsed = parse_rankings(_orders(frame, question), [c.name for c in question.choices])
    k = len(parsed.items)
    slots = np.where(parsed.first < 0, k, parsed.first).astype(np.int64)
    first = np.bincount(cell * (k + 1) + slots, minlength=size * (k + 1)).reshape(size, k + 1)
    counted = Ranks(tuple(_numbers(parsed.ranks[:, j], cell, size) for j in range(k)), first)
    return counted, parsed.ranks


def asked_mask(form: Form, columns: Columns, question: Question) -> BoolArray | None:
    """Rows meeting a question's choice condition (None: no such condition; the base is then
    those who answered)."""
    condition = choice_condition(question.relevant) if question.relevant else None
    source = form.question(condition.question) if condition else None
    if condition is None or source is None or not source.type.is_select:
        return None
    if source.type is QuestionType.SELECT_MULTIPLE:
        ticks = [columns.number(choice_column(source.name, c)) == 1 for c in condition.choices]
        return np.logical_or.reduce(ticks) if ticks else None
    wanted = [i for i, c in enumerate(source.choices) if c.name in condition.choices]
    return np.asarray(np.isin(columns.codes(source), wanted), dtype=bool)


def _keys(frame: pl.DataFrame) -> tuple[CountArray, CountArray]:
    times = frame.get_column(COMPLETED_AT).cast(pl.Int64).fill_null(np.iinfo(np.int64).min)
    ids = frame.get_column(ID).cast(pl.Int64)
    return times.to_numpy().astype(np.int64), ids.to_numpy().astype(np.int64)


def _arrivals(
    frame: pl.DataFrame, answered: BoolArray, values: FloatArray, limit: int | None
) -> Arrivals | None:
    if limit is not None and int(answered.sum()) > limit:
        return None
    times, ids = _keys(frame)
    return Arrivals(times[answered], ids[answered], values[answered])


def _pairs(
    form: Form,
    columns: Columns,
    pairs: tuple[tuple[str, str], ...],
    cell: CountArray,
    size: int,
) -> dict[tuple[str, str], CountArray]:
    """Each contrast's crosstab: the counts of (profile answer, item answer) per cell."""
    counts: dict[tuple[str, str], CountArray] = {}
    for item, by in pairs:
        qi, qb = form.question(item), form.question(by)
        if qi is None or qb is None:
            continue
        ki, kb = len(qi.choices) + 1, len(qb.choices) + 1
        key = (cell * kb + _slots(columns, qb)) * ki + _slots(columns, qi)
        counts[(item, by)] = np.bincount(key, minlength=size * kb * ki).reshape(size, kb, ki)
    return counts


def tally(form: Form, frame: pl.DataFrame, plan: Plan) -> Tally:
    """The tally of the rows of a snapshot frame (any order)."""
    columns = Columns(frame)
    cell, shape = _cells(form, columns, plan.margins)
    size = math.prod(shape)
    choices: dict[str, CountArray] = {}
    ticks: dict[str, Ticks] = {}
    numbers: dict[str, Numbers] = {}
    ranks: dict[str, Ranks] = {}
    asked: dict[str, int] = {}
    arrivals: dict[str, Arrivals | None] = {}
    for q in form.questions():
        if q.repeat:  # asked once per instance: its findings are over instances (`repeats`)
            continue
        if q.type is QuestionType.SELECT_ONE:
            slots = _slots(columns, q)
            k = len(q.choices)
            counts = np.bincount(cell * (k + 1) + slots, minlength=size * (k + 1))
            choices[q.name] = counts.reshape(size, k + 1)
            answered = slots < k
            if q.is_scale:
                values = slots.astype(np.float64)
                arrivals[q.name] = _arrivals(frame, answered, values, plan.exact_up_to)
        elif q.type is QuestionType.SELECT_MULTIPLE:
            ticks[q.name] = _ticks(frame, q, cell, size)
            answered = columns.answered(q) if q.relevant else np.zeros(0, dtype=bool)
        elif q.type in NUMBERS:
            values = columns.number(q.name)
            numbers[q.name] = _numbers(values, cell, size)
            answered = ~np.isnan(values)
            arrivals[q.name] = _arrivals(frame, answered, values, plan.exact_up_to)
        elif q.type is QuestionType.RANK and len(q.choices) >= 2:
            ranks[q.name], values = _ranks(frame, q, cell, size)
            answered = ~np.isnan(values[:, 0])
            # every item's rank per row (n × k), for the exact sequences
            arrivals[q.name] = _arrivals(frame, answered, values, plan.exact_up_to)
        else:
            continue
        if q.relevant:
            mask = asked_mask(form, columns, q)
            asked[q.name] = int((mask | answered).sum()) if mask is not None else 0
    pairs = _pairs(form, columns, plan.pairs, cell, size)
    return Tally(
        plan,
        frame.height,
        shape,
        np.bincount(cell, minlength=size),
        choices,
        ticks,
        numbers,
        ranks,
        asked,
        pairs,
        arrivals,
    )
