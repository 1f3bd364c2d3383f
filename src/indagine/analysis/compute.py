"""Answers -> Findings: every question's estimates, bounds, bases, rankings and contrasts.

    findings = analyse(form, snapshot.frame, panel_size=450, margins={"org_type": {...}})

    analysis = Analysis(form, margins=("org_type",))        # kept between calls
    analysis.update(snapshot.frame)                         # then only the new rows
    findings = analysis.findings(panel_size=450, margins={"org_type": {...}})

The pipeline: tally the answers (``analysis.tally``: counts and sums per raking cell, which add
up chunk by chunk); the design (simple random sample, with the finite population correction
when the panel's size is known), raked or post-stratified to the panel's composition when
margins are given (``analysis.basis``, on the cells); one finding per question that carries
information; the rankings of items sharing a scale; the contrasts across the profile questions.
The estimates are those of ``indagine.stats`` on the rows (tests/analysis check them to 1e-9);
the formulas and references are in docs/stats.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.forms.model import Form, Question, QuestionType
from indagine.stats.estimates import Estimate, share_estimates
from indagine.stats.likert import linear_contrast

from .anytime import EXACT_UP_TO, Moments, Sampling, bound_from_sums
from .basis import Basis, basis, mean_estimate
from .conditions import choice_condition, describe, midpoint, number_bounds, positive_choices
from .contrasts import tallied_contrasts
from .findings import Base, Contrast, Finding, Findings, Quantity, Ranking, Texts
from .multiple import MAX_CHOICES
from .tally import CountArray, Plan, Tally, tally

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


def _base(ctx: _Context, question: Question, n: int) -> Base:
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


def _texts(ctx: _Context, question: Question) -> tuple[Texts, Texts]:
    label = dict(question.label.values)
    claim = {lang: question.claim.values.get(lang) or label.get(lang, "") for lang in label}
    return label, claim


def _quantity(
    ctx: _Context,
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
    )


def _scored(ctx: _Context, counts: CountArray, values: FloatArray) -> Moments:
    """Moments of a value given to each answer, from the answers' counts per cell."""
    c = counts.astype(np.float64)
    sums = ctx.moments(c.sum(axis=1), c @ values, c @ (values * values))
    said = values[c.sum(axis=0) > 0]
    return replace(sums, low=float(said.min()), high=float(said.max()))


def _scale(ctx: _Context, question: Question) -> Finding | None:
    ranked = sorted(question.choices, key=lambda c: float(c.score or 0.0))
    names = [c.name for c in ranked]
    scores = np.array([float(c.score or 0.0) for c in ranked])
    order = [question.choices.index(c) for c in ranked]
    counts = ctx.tally.choices[question.name][:, order]
    base = _base(ctx, question, int(counts.sum()))
    if base.n == 0:
        return None
    positive = positive_choices(question)
    middle = midpoint(question) or 0.0
    what, level = question.name, ctx.level
    result = ctx.design.shares(counts)
    text = f"answered {what}"
    distribution = share_estimates(
        ctx.design, result, names, what=what, base=text, ci="logit", level=level
    )
    upper = np.array([1.0 if name in positive else 0.0 for name in names])
    share_estimate = linear_contrast(
        ctx.design,
        result,
        upper,
        what=f"share of {what} in {{{', '.join(positive)}}}",
        base=text,
        proportion="logit",
        level=level,
    )
    mean_estimate = linear_contrast(
        ctx.design, result, scores, what=f"mean score of {what}", base=text, proportion=None,
        level=level,
    )  # fmt: skip
    arrivals = ctx.tally.arrivals[question.name]
    slots = arrivals.ordered().astype(np.intp) if arrivals is not None else None
    by_choice = np.zeros(len(question.choices))
    by_choice[order] = upper
    score_by_choice = np.zeros(len(question.choices))
    score_by_choice[order] = scores
    share = _quantity(
        ctx,
        base,
        share_estimate,
        _scored(ctx, counts, upper),
        by_choice[slots] if slots is not None else None,
        kind="share",
        threshold=0.5,
        scale=(0, 1),
    )
    mean = _quantity(
        ctx,
        base,
        mean_estimate,
        _scored(ctx, counts, scores),
        score_by_choice[slots] if slots is not None else None,
        kind="mean",
        threshold=middle,
        scale=(float(scores.min()), float(scores.max())),
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
            for name, est in zip(names, distribution, strict=True)
        ),
        group=question.list_name,
    )


def _choice(ctx: _Context, question: Question) -> Finding | None:
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


def _multiple(ctx: _Context, question: Question) -> Finding | None:
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


# -- the analysis


def margin_of_error(n: float, panel_size: int | None, effective_n: float | None = None) -> float:
    """Half-width at 95% of a 50% share: 1.96 sqrt(0.25/n' (1 - n/N)), n' the effective n."""
    fpc = 1 - n / panel_size if panel_size else 1.0
    used = effective_n if effective_n is not None else n
    return 1.96 * math.sqrt(0.25 / used * max(fpc, 0.0))


def _pairs(
    form: Form, profile: Sequence[str], contrast_items: Sequence[str] | None
) -> tuple[tuple[str, str], ...]:
    """The (scale item, profile question) crosstabs the contrasts may test."""
    chosen = set(contrast_items) if contrast_items is not None else None
    return tuple(
        (q.name, by)
        for q in form.questions()
        if q.type is QuestionType.SELECT_ONE and q.is_scale and (chosen is None or q.name in chosen)
        for by in profile
        if by != q.name and form.question(by) is not None
    )


class Analysis:
    """The findings of a growing set of responses: a tally of the rows seen so far, to which
    `update` adds the new rows only; `findings` then costs the size of the tables, not of
    the rows (except exact sequences, recomputed from at most `exact_up_to` kept values)."""

    def __init__(
        self,
        form: Form,
        *,
        margins: Sequence[str] = (),
        profile: Sequence[str] | None = None,
        contrast_items: Sequence[str] | None = None,
        exact_up_to: int | None = EXACT_UP_TO,
    ) -> None:
        self.form = form
        self.profile = tuple(profile) if profile is not None else default_profile(form)
        self.contrast_items = tuple(contrast_items) if contrast_items is not None else None
        self.plan = Plan(tuple(margins), _pairs(form, self.profile, contrast_items), exact_up_to)
        self.tally: Tally | None = None

    @property
    def n(self) -> int:
        """Rows tallied so far."""
        return self.tally.n if self.tally is not None else 0

    def update(self, rows: pl.DataFrame) -> Analysis:
        """Add rows not seen before (a snapshot frame's new chunk, in any order)."""
        if rows.height or self.tally is None:
            chunk = tally(self.form, rows, self.plan)
            self.tally = chunk if self.tally is None else self.tally + chunk
        return self

    def findings(
        self,
        *,
        panel_size: int | None = None,
        margins: Mapping[str, Mapping[str, float]] | None = None,
        alpha: float = 0.05,
        closes_on: dt.date | None = None,
        computed_at: dt.datetime | None = None,
    ) -> Findings:
        """The findings of the rows tallied (see `analyse` for the options); `margins` must
        be given for the questions the analysis was made with, or not at all."""
        form, counted = self.form, self.tally  # one tally throughout, should `update` run
        n = counted.n if counted is not None else 0
        weighted = bool(margins) and n > 0
        items: list[Finding] = []
        contrasts: tuple[Finding, ...] = ()
        effective: float | None = None
        found_contrasts: tuple[Contrast, ...] = ()
        if counted is not None and n >= 2:  # one answer has no variance: no finding yet
            design = basis(form, counted, panel_size=panel_size, margins=margins)
            # Contrasts are analytic (is there an association?), so they are tested without
            # the finite population correction, which would make any difference among the
            # panel's members "significant" as the panel fills up (Korn and Graubard 1999, §4.6).
            analytic = basis(form, counted, panel_size=None, margins=margins)
            how = Sampling(None, panel_size, alpha, self.plan.exact_up_to)
            ctx = _Context(form, counted, design, how, weighted)
            items = [f for q in form.questions() if (f := _finding(ctx, q)) is not None]
            if weighted:
                effective = design.effective_n()
            chosen = set(self.contrast_items) if self.contrast_items is not None else None
            contrasts = tuple(f for f in items if chosen is None or f.key in chosen)
            found_contrasts = tallied_contrasts(
                form, analytic, counted, contrasts, self.profile, alpha=alpha
            )
        listed = " and ".join(margins or {})
        how_weighted = "unweighted"
        if weighted and margins:
            how_weighted = (
                f"post-stratified to the panel's composition by {listed}"
                if len(margins) == 1
                else f"raked to the panel's composition by {listed}"
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
        )


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
    The same as ``Analysis(...).update(frame).findings(...)``.
    """
    analysis = Analysis(
        form,
        margins=tuple(margins or ()),
        profile=profile,
        contrast_items=contrast_items,
        exact_up_to=exact_up_to,
    )
    return analysis.update(frame).findings(
        panel_size=panel_size,
        margins=margins,
        alpha=alpha,
        closes_on=closes_on,
        computed_at=computed_at,
    )
