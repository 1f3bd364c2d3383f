"""The finding of each question: scales, single and multiple choices, numbers, rankings.

Each finding holds the question's estimates (``indagine.stats`` on the tallied cells), its base
(who was asked, who answered) and, for shares and means, the confidence sequence that says
whether the estimate is consolidated (``analysis.anytime``). ``analysis.compute`` runs
`finding` on every question of the form.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from indagine.forms.model import Form, Question, QuestionType
from indagine.stats.estimates import Estimate, share_estimates
from indagine.stats.likert import linear_contrast

from .anytime import Sampling, bound_from_sums
from .basis import Basis, mean_estimate
from .conditions import choice_condition, describe, midpoint, number_bounds, positive_choices
from .findings import Base, Finding, Moments, Quantity, RankedItem, Texts
from .multiple import MAX_CHOICES
from .tally import CountArray, Ranks, Tally

FloatArray = npt.NDArray[np.float64]


class Context:
    """What every finding of one analysis shares: the tally, design, sampling, languages."""

    def __init__(
        self, form: Form, tally: Tally, design: Basis, how: Sampling, weighted: bool
    ) -> None:
        self.form = form
        self.tally = tally
        self.design = design
        self.how = how
        self.weighted = weighted
        self.level = 1 - how.alpha
        self.languages = list(form.languages) or [form.default_language]

    def sampling(self, base: Base) -> Sampling:
        """Betting without replacement only for a base of everyone: a conditional group's
        size in the panel is unknown. The panel excludes members known to have skipped."""
        population = self.how.population
        if population is not None:
            population = None if base.conditional else population - (self.tally.n - base.n)
        return Sampling(None, population, self.how.alpha, self.how.exact_up_to)

    def moments(self, counts: FloatArray, sums: FloatArray, squares: FloatArray) -> Moments:
        """The sums of the asymptotic sequence from per-cell counts, Σy and Σy²."""
        w = self.design.weights if self.weighted else np.ones(counts.size)
        w2 = w * w
        return Moments(
            int(counts.sum()),
            float(w @ counts),
            float(w @ sums),
            float(w2 @ counts),
            float(w2 @ sums),
            float(w2 @ squares),
            math.nan,
            math.nan,
        )


# -- bases


def _base(ctx: Context, question: Question, n: int) -> Base:
    if not question.relevant:
        skipped = ctx.tally.n - n
        return Base(n=n, asked=ctx.tally.n, excluded=(("skipped", skipped),) if skipped else ())
    condition = choice_condition(question.relevant)
    source = ctx.form.question(condition.question) if condition else None
    if condition is None or source is None or not source.type.is_select:
        condition, asked = None, n
    else:
        asked = ctx.tally.asked[question.name]
    skipped = asked - n
    return Base(
        n=n,
        asked=asked,
        condition=question.relevant or None,
        description=describe(condition, ctx.form, ctx.languages),
        on_question=condition.question if condition else None,
        on_choices=condition.choices if condition else (),
        excluded=(("skipped", skipped),) if skipped else (),
    )


# -- findings by kind


def _texts(ctx: Context, question: Question) -> tuple[Texts, Texts]:
    label = dict(question.label.values)
    claim = {lang: question.claim.values.get(lang) or label.get(lang, "") for lang in label}
    return label, claim


def _quantity(
    ctx: Context,
    base: Base,
    estimate: Estimate,
    sums: Moments,
    ordered: FloatArray | None,
    *,
    kind: str,
    threshold: float,
    scale: tuple[float, float] | None,
) -> Quantity:
    bound, side = bound_from_sums(
        sums,
        ordered,
        ctx.sampling(base),
        weighted=ctx.weighted,
        threshold=threshold,
        scale=scale,
    )
    return Quantity(
        estimate=estimate,
        kind=kind,  # type: ignore[arg-type]
        threshold=threshold,
        sequence=bound,
        consolidated=side,
        scale=scale if kind != "share" else None,
        moments=sums,
    )


def _scored(ctx: Context, counts: CountArray, values: FloatArray) -> Moments:
    """Moments of a value given to each answer, from the answers' counts per cell."""
    c = counts.astype(np.float64)
    sums = ctx.moments(c.sum(axis=1), c @ values, c @ (values * values))
    said = values[c.sum(axis=0) > 0]
    return replace(sums, low=float(said.min()), high=float(said.max()))


@dataclass(frozen=True)
class _Ranked:
    """A scale's choices from the lowest score up, and the values each is given."""

    names: list[str]
    scores: FloatArray  # each choice's score
    upper: FloatArray  # 1 for a choice in the upper half (`positive`), else 0
    order: list[int]  # each choice's place in the questionnaire


def _rank(question: Question, positive: Sequence[str]) -> _Ranked:
    """The scale's choices ordered by score, with their scores and upper-half indicators."""
    ranked = sorted(question.choices, key=lambda c: float(c.score or 0.0))
    names = [c.name for c in ranked]
    return _Ranked(
        names=names,
        scores=np.array([float(c.score or 0.0) for c in ranked]),
        upper=np.array([1.0 if name in positive else 0.0 for name in names]),
        order=[question.choices.index(c) for c in ranked],
    )


def _scale(ctx: Context, question: Question) -> Finding | None:
    """A scale item: its distribution, the share in the upper half and the mean score."""
    positive = positive_choices(question)
    ranked = _rank(question, positive)
    counts = ctx.tally.choices[question.name][:, ranked.order]
    base = _base(ctx, question, int(counts.sum()))
    if base.n == 0:
        return None
    result = ctx.design.shares(counts)
    what, text, level = question.name, f"answered {question.name}", ctx.level
    distribution = share_estimates(
        ctx.design, result, ranked.names, what=what, base=text, ci="logit", level=level
    )
    upper_share = linear_contrast(
        ctx.design,
        result,
        ranked.upper,
        what=f"share of {what} in {{{', '.join(positive)}}}",
        base=text,
        proportion="logit",
        level=level,
    )
    mean_score = linear_contrast(
        ctx.design,
        result,
        ranked.scores,
        what=f"mean score of {what}",
        base=text,
        proportion=None,
        level=level,
    )
    share, mean = _scale_quantities(ctx, question, base, counts, ranked, (upper_share, mean_score))
    label, claim = _texts(ctx, question)
    by_name = {c.name: c for c in question.choices}
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=claim,
        kind="scale",
        base=base,
        share=share,
        mean=mean,
        positive=positive,
        choices=tuple(
            (name, dict(by_name[name].label.values), est)
            for name, est in zip(ranked.names, distribution, strict=True)
        ),
        group=comparable_group(question),
    )


def _scale_quantities(
    ctx: Context,
    question: Question,
    base: Base,
    counts: CountArray,
    ranked: _Ranked,
    estimates: tuple[Estimate, Estimate],
) -> tuple[Quantity, Quantity]:
    """The upper-half share and the mean score, each with its confidence sequence."""
    upper_share, mean_score = estimates
    arrivals = ctx.tally.arrivals[question.name]
    slots = arrivals.ordered().astype(np.intp) if arrivals is not None else None
    by_choice = np.zeros(len(question.choices))
    by_choice[ranked.order] = ranked.upper
    score_by_choice = np.zeros(len(question.choices))
    score_by_choice[ranked.order] = ranked.scores
    share = _quantity(
        ctx,
        base,
        upper_share,
        _scored(ctx, counts, ranked.upper),
        by_choice[slots] if slots is not None else None,
        kind="share",
        threshold=0.5,
        scale=(0, 1),
    )
    mean = _quantity(
        ctx,
        base,
        mean_score,
        _scored(ctx, counts, ranked.scores),
        score_by_choice[slots] if slots is not None else None,
        kind="mean",
        threshold=midpoint(question) or 0.0,
        scale=(float(ranked.scores.min()), float(ranked.scores.max())),
    )
    return share, mean


def _choice(ctx: Context, question: Question) -> Finding | None:
    names = [c.name for c in question.choices]
    counts = ctx.tally.choices[question.name][:, : len(names)]
    base = _base(ctx, question, int(counts.sum()))
    if base.n == 0 or not names:
        return None
    shares = share_estimates(
        ctx.design,
        ctx.design.shares(counts),
        names,
        what=question.name,
        base=f"answered {question.name}",
        ci="logit",
        level=ctx.level,
    )
    return _listing(ctx, question, base, "choice", shares)


def _multiple(ctx: Context, question: Question) -> Finding | None:
    if not question.choices:
        return None
    ticks = ctx.tally.ticks[question.name]
    base = _base(ctx, question, int(ticks.answered.sum()))
    if base.n == 0:
        return None
    names = [c.name for c in question.choices]
    result = ctx.design.ticked(
        ticks.answered, ticks.sums, ticks.cross, weightless=len(names) <= MAX_CHOICES
    )
    shares = share_estimates(
        ctx.design,
        result,
        names,
        what=question.name,
        base=f"answered {question.name}",
        ci="logit",
        level=ctx.level,
    )
    return _listing(ctx, question, base, "multiple", shares)


def _listing(
    ctx: Context, question: Question, base: Base, kind: str, shares: Sequence[Estimate]
) -> Finding:
    label, claim = _texts(ctx, question)
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=claim,
        kind=kind,  # type: ignore[arg-type]
        base=base,
        choices=tuple(
            (c.name, dict(c.label.values), est)
            for c, est in zip(question.choices, shares, strict=True)
        ),
        group=comparable_group(question),
    )


def _number(ctx: Context, question: Question) -> Finding | None:
    numbers = ctx.tally.numbers[question.name]
    answered = int(numbers.answered.sum())
    base = _base(ctx, question, answered)
    if base.n == 0:
        return None
    estimate = mean_estimate(
        ctx.design,
        numbers.answered,
        numbers.total,
        numbers.scatter,
        what=question.name,
        skipped=ctx.tally.n - answered,
        level=ctx.level,
    )
    low, high = number_bounds(question)
    scale = (low, high) if low is not None and high is not None and high > low else None
    kind = "percent" if scale == (0.0, 100.0) else "mean"
    threshold = 50.0 if kind == "percent" else math.nan  # a count or duration has no midpoint
    answered_rows = numbers.answered.astype(np.float64)
    squares = numbers.scatter + numbers.total**2 / np.where(answered_rows > 0, answered_rows, 1.0)
    sums = ctx.moments(answered_rows, numbers.total, squares)
    sums = replace(sums, low=numbers.low, high=numbers.high)
    arrivals = ctx.tally.arrivals[question.name]
    mean = _quantity(
        ctx,
        base,
        estimate,
        sums,
        arrivals.ordered() if arrivals is not None else None,
        kind=kind,
        threshold=threshold,
        scale=scale,
    )
    label, claim = _texts(ctx, question)
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=claim,
        kind="number",
        base=base,
        mean=mean,
    )


@dataclass(frozen=True)
class _Domain:
    """The design as the intervals of a domain see it (``stats.ranking``): its own degrees of
    freedom, PSUs minus strata among the rows holding an answer, which in a simple random
    sample are those rows less one."""

    design: Basis
    degrees_of_freedom: int

    def described(self) -> str:
        return self.design.described()

    def fallback_n(self) -> float:
        return self.design.fallback_n()

    def total_weight(self) -> float:
        return self.design.total_weight()


def _ranking(ctx: Context, question: Question) -> Finding | None:
    """A ranking (``stats.ranking.rank_summary`` from the tally): each item's mean rank as the
    mean of a number, and the share ranking it first as a single choice's share, over those who
    answered; each with the confidence sequence its kind has (``analysis.anytime``)."""
    counted = ctx.tally.ranks.get(question.name)
    if counted is None:
        return None
    answered = counted.items[0].answered
    n = int(answered.sum())
    base = _base(ctx, question, n)
    if n == 0:
        return None
    k = len(counted.items)
    names = [c.name for c in question.choices]
    firsts = share_estimates(
        _Domain(ctx.design, n - 1),
        ctx.design.shares(counted.first[:, :k]),
        names,
        what=f"ranked first in {question.name}",
        base=f"answered {question.name}",
        ci="logit",
        level=ctx.level,
    )
    items = _ranked_items(ctx, question, base, counted, firsts)
    label, claim = _texts(ctx, question)
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=claim,
        kind="ranking",
        base=base,
        ranks=tuple(sorted(items, key=lambda i: i.mean_rank.estimate.estimate)),
    )


def _ranked_items(
    ctx: Context, question: Question, base: Base, counted: Ranks, firsts: Sequence[Estimate]
) -> list[RankedItem]:
    """Each item of a ranking: its mean rank and its share ranked first, with their sequences."""
    k, n = len(counted.items), base.n
    text, skipped = f"answered {question.name}", ctx.tally.n - n
    excluded = (("skipped", skipped),) if skipped else ()
    arrivals = ctx.tally.arrivals[question.name]
    ordered = arrivals.ordered() if arrivals is not None else None
    a = counted.items[0].answered.astype(np.float64)
    items = []
    for j, (choice, numbers, first) in enumerate(
        zip(question.choices, counted.items, firsts, strict=True)
    ):
        rank = mean_estimate(
            ctx.design,
            numbers.answered,
            numbers.total,
            numbers.scatter,
            what=choice.name,
            skipped=skipped,
            level=ctx.level,
        )
        squares = numbers.scatter + numbers.total**2 / np.where(a > 0, a, 1.0)
        sums = replace(ctx.moments(a, numbers.total, squares), low=numbers.low, high=numbers.high)
        column = ordered[:, j] if ordered is not None else None  # its rank in order of arrival
        mean_rank = _quantity(
            ctx,
            base,
            replace(rank, what=f"mean rank of {choice.name} in {question.name}", base=text),
            sums,
            column,
            kind="mean",
            threshold=(k + 1) / 2,
            scale=(1.0, float(k)),
        )
        top = counted.first[:, j].astype(np.float64)
        share = _first_share(ctx, base, replace(first, excluded=excluded), a, top, column, k)
        items.append(RankedItem(choice.name, dict(choice.label.values), mean_rank, share))
    return items


def _first_share(
    ctx: Context,
    base: Base,
    estimate: Estimate,
    answered: FloatArray,
    top: FloatArray,
    ranks: FloatArray | None,
    k: int,
) -> Quantity:
    """The share ranking an item first (`top`: per cell), with its confidence sequence."""
    ranked_first = int(top.sum())
    top_sums = replace(
        ctx.moments(answered, top, top),
        low=0.0 if ranked_first < base.n else 1.0,
        high=1.0 if ranked_first > 0 else 0.0,
    )
    return _quantity(
        ctx,
        base,
        estimate,
        top_sums,
        (ranks == 1).astype(np.float64) if ranks is not None else None,
        kind="share",
        threshold=1 / k,
        scale=(0, 1),
    )


def finding(ctx: Context, question: Question) -> Finding | None:
    """The question's finding, None for a question that carries none or has no answer yet."""
    kind = question.type
    if kind is QuestionType.SELECT_ONE:
        return _scale(ctx, question) if question.is_scale else _choice(ctx, question)
    if kind is QuestionType.SELECT_MULTIPLE:
        return _multiple(ctx, question)
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        return _number(ctx, question)
    if kind is QuestionType.RANK:
        return _ranking(ctx, question)
    return None  # notes, texts, dates and calculations carry no finding


def comparable_group(question: Question) -> str | None:
    """The items one diverging chart draws and one ranking compares: a grid's rows (a
    table-list group) together, else the questions that share a list of choices."""
    return f"table:{question.table}" if question.table else question.list_name
