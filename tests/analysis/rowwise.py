"""The row-by-row analysis as it was before the tallies (kept to check them against): every
estimate from the rows through `indagine.stats`, as `analyse` computed it up to 2026-11.

    findings = analyse(form, snapshot.frame, panel_size=450, margins={"org_type": {...}})

The pipeline: order the rows by completion; the design (simple random sample, with the finite
population correction when the panel's size is known), raked or post-stratified to the panel's
composition when margins are given; one finding per question that carries information; the
rankings of items sharing a scale; the contrasts across the profile questions. Every estimate
comes from ``indagine.stats``; the formulas and references are in docs/stats.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.analysis.anytime import EXACT_UP_TO, Sampling, anytime_bound
from indagine.analysis.columns import BoolArray, Columns, in_arrival_order
from indagine.analysis.conditions import (
    choice_condition,
    describe,
    midpoint,
    number_bounds,
    positive_choices,
)
from indagine.analysis.contrasts import MIN_SEGMENT, _contrast, _Test, holm
from indagine.analysis.findings import Base, Contrast, Finding, Findings, Quantity, Ranking, Texts
from indagine.analysis.frame import choice_column
from indagine.analysis.multiple import MAX_CHOICES, ticked_shares
from indagine.forms.model import Form, Question, QuestionType
from indagine.stats import design as designs
from indagine.stats import estimates, weighting
from indagine.stats.crosstab import crosstab
from indagine.stats.design import Design
from indagine.stats.errors import StatsError
from indagine.stats.estimates import Estimate

from .scales import summarise

FloatArray = npt.NDArray[np.float64]
MAX_SEPARATED = 3
RANKED_FROM = 3


def default_profile(form: Form) -> tuple[str, ...]:
    """The single-choice questions without scores on the first page (who answered)."""
    if not form.pages:
        return ()
    return tuple(
        q.name
        for q in form.pages[0].questions
        if q.type is QuestionType.SELECT_ONE and not q.is_scale and not q.relevant
    )


class _Context:
    """What every finding of one analysis shares: columns, design, sampling, languages."""

    def __init__(
        self, form: Form, columns: Columns, design: Design, how: Sampling, level: float
    ) -> None:
        self.form = form
        self.columns = columns
        self.design = design
        self.how = how
        self.level = level
        self.languages = list(form.languages) or [form.default_language]

    def sampling(self, base: Base, answered: BoolArray) -> Sampling:
        """Betting without replacement only for a base of everyone: a conditional group's
        size in the panel is unknown. The panel excludes members known to have skipped."""
        population = self.how.population
        if population is not None:
            population = None if base.conditional else population - (self.columns.n - base.n)
        weights = self.how.weights[answered] if self.how.weights is not None else None
        return Sampling(weights, population, self.how.alpha, self.how.exact_up_to)


# -- bases


def _asked(ctx: _Context, question: Question, answered: BoolArray) -> tuple[Base, BoolArray]:
    n = int(answered.sum())
    if not question.relevant:
        asked = np.ones(ctx.columns.n, dtype=bool)
        condition = None
        description: Texts = {}
    else:
        condition = choice_condition(question.relevant)
        source = ctx.form.question(condition.question) if condition else None
        if condition is None or source is None or not source.type.is_select:
            condition, asked = None, answered
        elif source.type is QuestionType.SELECT_MULTIPLE:
            ticks = [
                ctx.columns.number(choice_column(source.name, c)) == 1 for c in condition.choices
            ]
            asked = np.logical_or.reduce(ticks) if ticks else answered
        else:
            wanted = [i for i, c in enumerate(source.choices) if c.name in condition.choices]
            asked = np.isin(ctx.columns.codes(source), wanted)
        asked = asked | answered
        description = describe(condition, ctx.form, ctx.languages)
    skipped = int(asked.sum()) - n
    base = Base(
        n=n,
        asked=int(asked.sum()),
        condition=question.relevant or None,
        description=description,
        on_question=condition.question if condition else None,
        on_choices=condition.choices if condition else (),
        excluded=(("skipped", skipped),) if skipped else (),
    )
    return base, asked


# -- findings by kind


def _texts(ctx: _Context, question: Question) -> tuple[Texts, Texts]:
    label = dict(question.label.values)
    claim = {lang: question.claim.values.get(lang) or label.get(lang, "") for lang in label}
    return label, claim


def _quantity(
    ctx: _Context,
    base: Base,
    estimate: Estimate,
    values: FloatArray,
    answered: BoolArray,
    *,
    kind: str,
    threshold: float,
    scale: tuple[float, float] | None,
) -> Quantity:
    how = ctx.sampling(base, answered)
    bound, side = anytime_bound(values, how, threshold=threshold, scale=scale)
    return Quantity(
        estimate=estimate,
        kind=kind,  # type: ignore[arg-type]
        threshold=threshold,
        sequence=bound,
        consolidated=side,
        scale=scale if kind != "share" else None,
    )


def _scale(ctx: _Context, question: Question) -> Finding | None:
    ranked = sorted(question.choices, key=lambda c: float(c.score or 0.0))
    names = [c.name for c in ranked]
    scores = np.array([float(c.score or 0.0) for c in ranked])
    codes = ctx.columns.codes(question, names)
    answered = codes >= 0
    base, _ = _asked(ctx, question, answered)
    if base.n == 0:
        return None
    positive = positive_choices(question)
    middle = midpoint(question) or 0.0
    summary = summarise(
        ctx.design,
        codes,
        answered,
        names,
        list(scores),
        positive,
        what=question.name,
        level=ctx.level,
    )
    in_order = codes[answered]
    agree = np.isin(in_order, [names.index(p) for p in positive]).astype(np.float64)
    scale = (float(scores.min()), float(scores.max()))
    share = _quantity(
        ctx, base, summary.share, agree, answered, kind="share", threshold=0.5, scale=(0, 1)
    )
    mean = _quantity(
        ctx,
        base,
        summary.mean,
        scores[in_order],
        answered,
        kind="mean",
        threshold=middle,
        scale=scale,
    )
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
            for name, est in zip(names, summary.distribution, strict=True)
        ),
        group=question.list_name,
    )


def _choice(ctx: _Context, question: Question) -> Finding | None:
    names = [c.name for c in question.choices]
    codes = ctx.columns.codes(question)
    answered = codes >= 0
    base, _ = _asked(ctx, question, answered)
    if base.n == 0 or not names:
        return None
    result = estimates.shares(ctx.design, np.where(answered, codes, 0), len(names), answered)
    shares = estimates.share_estimates(
        ctx.design,
        result,
        names,
        what=question.name,
        base=f"answered {question.name}",
        ci="logit",
        level=ctx.level,
    )
    return _listing(ctx, question, base, "choice", shares)


def _multiple(ctx: _Context, question: Question) -> Finding | None:
    if not question.choices:
        return None
    matrix = ctx.columns.chosen(question)
    answered = ctx.columns.answered(question)
    base, _ = _asked(ctx, question, answered)
    if base.n == 0:
        return None
    names = [c.name for c in question.choices]
    if len(names) <= MAX_CHOICES:
        distribution = ticked_shares(ctx.design, matrix, names, what=question.name, level=ctx.level)
    else:
        distribution = estimates.multiple_choice(
            ctx.design,
            {name: matrix[:, j] for j, name in enumerate(names)},
            what=question.name,
            ci="logit",
            level=ctx.level,
        )
    return _listing(ctx, question, base, "multiple", distribution.shares)


def _listing(
    ctx: _Context, question: Question, base: Base, kind: str, shares: Sequence[Estimate]
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
        group=question.list_name,
    )


def _number(ctx: _Context, question: Question) -> Finding | None:
    values = ctx.columns.number(question.name)
    answered = ~np.isnan(values)
    base, _ = _asked(ctx, question, answered)
    if base.n == 0:
        return None
    estimate = estimates.mean(ctx.design, values, what=question.name, level=ctx.level)
    low, high = number_bounds(question)
    scale = (low, high) if low is not None and high is not None and high > low else None
    kind = "percent" if scale == (0.0, 100.0) else "mean"
    threshold = 50.0 if kind == "percent" else math.nan  # a count or duration has no midpoint
    mean = _quantity(
        ctx,
        base,
        estimate,
        values[answered],
        answered,
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


def _finding(ctx: _Context, question: Question) -> Finding | None:
    kind = question.type
    if kind is QuestionType.SELECT_ONE:
        return _scale(ctx, question) if question.is_scale else _choice(ctx, question)
    if kind is QuestionType.SELECT_MULTIPLE:
        return _multiple(ctx, question)
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.RANGE):
        return _number(ctx, question)
    return None  # notes, texts, dates and calculations carry no finding


# -- rankings


def separated(ranked: Sequence[Finding]) -> int:
    """The largest k ≤ 3 whose top-k items' lowest interval bound is above every later
    item's highest bound (0 when no leader is clear)."""
    best = 0
    for k in range(1, min(MAX_SEPARATED, len(ranked) - 1) + 1):
        floor = min(f.share.estimate.ci_low for f in ranked[:k] if f.share)
        ceiling = max(f.share.estimate.ci_high for f in ranked[k:] if f.share)
        if floor > ceiling:
            best = k
    return best


def rankings(items: Sequence[Finding]) -> tuple[Ranking, ...]:
    """Items sharing one scale (3 or more), strongest upper-half share first."""
    groups: dict[str, list[Finding]] = {}
    for f in items:
        if f.kind == "scale" and f.group and f.share is not None:
            groups.setdefault(f.group, []).append(f)
    out = []
    for group, members in groups.items():
        if len(members) < RANKED_FROM:
            continue
        ranked = sorted(members, key=lambda f: -f.share.estimate.estimate if f.share else 0.0)
        out.append(Ranking(group, tuple(f.key for f in ranked), separated(ranked)))
    return tuple(out)


# -- design


def _weigh(
    form: Form,
    design: Design,
    columns: Columns,
    margins: Mapping[str, Mapping[str, float]],
) -> tuple[Design, str]:
    """Rake to the margins (post-stratify for one). Codes are passed as numbers so the engine
    takes its fast integer path; the population is keyed the same way."""
    data: dict[str, FloatArray] = {}
    population: dict[str, dict[str, float]] = {}
    for name, counts in margins.items():
        question = form.question(name)
        if question is None or question.type is not QuestionType.SELECT_ONE:
            raise ValueError(f"margin {name!r} is not a single-choice question of the form")
        names = [c.name for c in question.choices]
        unknown = [c for c in counts if c not in names]
        if unknown:
            raise ValueError(f"margin {name!r} names choices the question lacks: {unknown}")
        codes = columns.codes(question).astype(np.float64)
        codes[codes < 0] = np.nan
        data[name] = codes
        population[name] = {str(names.index(c)): float(v) for c, v in counts.items()}
    listed = " and ".join(margins)
    if len(margins) == 1:
        (name,) = margins
        calibrated = weighting.post_stratify(design, name, data[name], population[name])
        return calibrated.design, f"post-stratified to the panel's composition by {listed}"
    calibrated = weighting.rake(design, data, population)
    return calibrated.design, f"raked to the panel's composition by {listed}"


def margin_of_error(n: float, panel_size: int | None, effective_n: float | None = None) -> float:
    """Half-width at 95% of a 50% share: 1.96 sqrt(0.25/n' (1 - n/N)), n' the effective n."""
    fpc = 1 - n / panel_size if panel_size else 1.0
    used = effective_n if effective_n is not None else n
    return 1.96 * math.sqrt(0.25 / used * max(fpc, 0.0))


def analyse(
    form: Form,
    frame: pl.DataFrame,
    *,
    panel_size: int | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    profile: Sequence[str] | None = None,
    contrast_items: Sequence[str] | None = None,
    alpha: float = 0.05,
    closes_on: dt.date | None = None,
    computed_at: dt.datetime | None = None,
    exact_up_to: int | None = EXACT_UP_TO,
) -> Findings:
    """The findings of a snapshot frame (``analysis.frame``) of complete responses to `form`.

    `margins`: question -> choice -> population count, to rake to (one question:
    post-stratify). `profile`: the questions contrasts are sought across (default: the first
    page's single choices without scores); `contrast_items`: the findings tested (default:
    every scale item). Sequences are exact up to `exact_up_to` answers, asymptotic beyond.
    """
    ordered = in_arrival_order(frame)
    columns = Columns(ordered)
    n = columns.n
    design = designs.survey_design(n, fpc=panel_size) if n else None
    # Contrasts are analytic (is there an association?), so they are tested without the
    # finite population correction, which would make any difference among the panel's
    # members "significant" as the panel fills up (Korn and Graubard 1999, §4.6).
    analytic = designs.survey_design(n) if n else None
    weighted, how_weighted = False, "unweighted"
    if design is not None and analytic is not None and margins:
        design, how_weighted = _weigh(form, design, columns, margins)
        analytic, _ = _weigh(form, analytic, columns, margins)
        weighted = True
    items: list[Finding] = []
    contrasts: tuple[Finding, ...] = ()
    effective: float | None = None
    if design is not None:
        weights = design.weights if weighted else None
        how = Sampling(weights, panel_size, alpha, exact_up_to)
        ctx = _Context(form, columns, design, how, 1 - alpha)
        items = [f for q in form.questions() if (f := _finding(ctx, q)) is not None]
        if weighted:
            effective = weighting.weighting_effect(design.weights).effective_n
        chosen = set(contrast_items) if contrast_items is not None else None
        contrasts = tuple(f for f in items if chosen is None or f.key in chosen)
    found_contrasts = (
        find_contrasts(
            form,
            analytic,
            columns,
            contrasts,
            tuple(profile) if profile is not None else default_profile(form),
            alpha=alpha,
        )
        if analytic is not None
        else ()
    )
    return Findings(
        form_id=form.form_id,
        title=dict(form.title.values),
        n=n,
        panel_size=panel_size,
        response_rate=n / panel_size if panel_size else None,
        margin_of_error=margin_of_error(n, panel_size, effective) if n else None,
        weighted=weighted,
        weighting=how_weighted,
        alpha=alpha,
        items=tuple(items),
        rankings=rankings(items),
        contrasts=found_contrasts,
        computed_at=computed_at,
        closes_on=closes_on,
        df=float(design.degrees_of_freedom) if design is not None else None,
    )


# -- contrasts row by row: the reference for the tally's crosstabs (analysis.contrasts)


def _test(
    design: Design, columns: Columns, finding: Finding, item: Question, by: Question, level: float
) -> _Test | None:
    codes = columns.codes(item)
    answered = codes >= 0
    positive = np.isin(codes, [i for i, c in enumerate(item.choices) if c.name in finding.positive])
    agree = np.where(answered, positive.astype(np.float64), np.nan)
    segment = columns.codes(by).astype(np.float64)
    segment[segment < 0] = np.nan
    try:
        table = crosstab(
            design, segment, agree, names=(by.name, finding.key), ci="logit", level=level
        )
    except (StatsError, np.linalg.LinAlgError, ValueError, ZeroDivisionError):
        return None  # one level only, or a singular design: nothing to test
    if not np.isfinite(table.test.p_value) or len(table.columns) != 2:
        return None
    return _Test(finding, by, table)


def find_contrasts(
    form: Form,
    design: Design,
    columns: Columns,
    findings: Sequence[Finding],
    profile: Sequence[str],
    *,
    alpha: float,
    min_segment: int = MIN_SEGMENT,
) -> tuple[Contrast, ...]:
    """The significant contrasts of every scale finding across every profile question."""
    tests: list[_Test] = []
    for finding in findings:
        item = form.question(finding.key)
        if finding.share is None or item is None:
            continue
        for name in profile:
            by = form.question(name)
            if by is None or name == finding.key:
                continue
            test = _test(design, columns, finding, item, by, 1 - alpha)
            if test is not None:
                tests.append(test)
    adjusted = holm([t.table.test.p_value for t in tests])
    kept = [_contrast(t, p, min_segment) for t, p in zip(tests, adjusted, strict=True) if p < alpha]
    return tuple(c for c in kept if c is not None)
