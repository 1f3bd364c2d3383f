"""Answers -> Findings: every question's estimates, bounds, bases, rankings and contrasts.

    findings = analyse(form, snapshot.frame, panel_size=450, margins={"org_type": {...}})

    analysis = Analysis(form, margins=("org_type",))        # kept between calls
    analysis.update(snapshot.frame)                         # then only the new rows
    findings = analysis.findings(panel_size=450, margins={"org_type": {...}})

The pipeline: tally the answers (``analysis.tally``: counts and sums per raking cell, which add
up chunk by chunk); the design (simple random sample, with the finite population correction
when the panel's size is known), raked or post-stratified to the panel's composition when
margins are given (``analysis.basis``, on the cells); one finding per question that carries
information (``analysis.items``); the rankings of items sharing a scale; the contrasts across the
profile questions. The estimates are those of ``indagine.stats`` on the rows (tests/analysis
check them to 1e-9); the formulas and references are in docs/stats.md. A form with repeats is
analysed with its snapshot's instances too (``analysis.repeats``): their findings are made on
the rows gathered, with the same design.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from indagine.forms.model import Form, QuestionType

from .anytime import EXACT_UP_TO, Sampling
from .basis import basis
from .contrasts import tallied_contrasts
from .findings import Contrast, Finding, Findings, Ranking
from .items import Context, finding
from .repeats import Gathered, in_form_order, repeat_findings
from .tally import Plan, Tally, tally

MAX_SEPARATED = 3
RANKED_FROM = 3


def default_profile(form: Form) -> tuple[str, ...]:
    """The single-choice questions without scores on the first page (who answered), asked
    once (not in a repeat)."""
    if not form.pages:
        return ()
    return tuple(
        q.name
        for q in form.pages[0].questions
        if q.type is QuestionType.SELECT_ONE and not q.is_scale and not q.relevant and not q.repeat
    )


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
        if q.type is QuestionType.SELECT_ONE
        and q.is_scale
        and not q.repeat
        and (chosen is None or q.name in chosen)
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
        self.gathered: Gathered | None = None  # the rows a form with repeats needs kept

    @property
    def n(self) -> int:
        """Rows tallied so far."""
        return self.tally.n if self.tally is not None else 0

    def update(self, rows: pl.DataFrame, instances: pl.DataFrame | None = None) -> Analysis:
        """Add rows not seen before (a snapshot frame's new chunk, in any order). A form with
        repeats needs its snapshot's `instances` (those of other rows are left out)."""
        if rows.height or self.tally is None:
            chunk = tally(self.form, rows, self.plan)
            self.tally = chunk if self.tally is None else self.tally + chunk
        if self.form.repeats() and (rows.height or self.gathered is None):
            if instances is None:  # never a silent gap where the repeats' findings should be
                raise ValueError("a form with repeats is analysed with its instances")
            kept = Gathered.of(self.form, rows, instances, self.plan.margins)
            self.gathered = kept if self.gathered is None else self.gathered + kept
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
        found = _Found()
        if counted is not None and n >= 2:  # one answer has no variance: no finding yet
            found = self._estimate(counted, panel_size, margins, alpha, weighted)
        return Findings(
            form_id=form.form_id,
            title=dict(form.title.values),
            n=n,
            panel_size=panel_size,
            response_rate=n / panel_size if panel_size else None,
            margin_of_error=margin_of_error(n, panel_size, found.effective_n) if n else None,
            weighted=weighted,
            weighting=describe_weighting(margins) if weighted else "unweighted",
            alpha=alpha,
            items=found.items,
            rankings=rankings(found.items),
            contrasts=found.contrasts,
            computed_at=computed_at,
            closes_on=closes_on,
            df=found.df,
        )

    def _estimate(
        self,
        counted: Tally,
        panel_size: int | None,
        margins: Mapping[str, Mapping[str, float]] | None,
        alpha: float,
        weighted: bool,
    ) -> _Found:
        """Each question's finding, the effective n when weighted, the contrasts found."""
        form = self.form
        design = basis(form, counted, panel_size=panel_size, margins=margins)
        # Contrasts are analytic (is there an association?), so they are tested without
        # the finite population correction, which would make any difference among the
        # panel's members "significant" as the panel fills up (Korn and Graubard 1999, §4.6).
        analytic = basis(form, counted, panel_size=None, margins=margins)
        how = Sampling(None, panel_size, alpha, self.plan.exact_up_to)
        ctx = Context(form, counted, design, how, weighted)
        items = tuple(
            f for q in form.questions() if not q.repeat and (f := finding(ctx, q)) is not None
        )
        chosen = set(self.contrast_items) if self.contrast_items is not None else None
        tested = tuple(f for f in items if chosen is None or f.key in chosen)
        contrasts = tallied_contrasts(form, analytic, counted, tested, self.profile, alpha=alpha)
        if self.gathered is not None:
            over_instances = repeat_findings(
                form, self.gathered, panel_size=panel_size, margins=margins, level=ctx.level
            )
            items = in_form_order(form, items, over_instances)
        return _Found(
            items=items,
            effective_n=design.effective_n() if weighted else None,
            contrasts=contrasts,
            df=float(design.degrees_of_freedom),
        )


@dataclass(frozen=True)
class _Found:
    """What the estimation found: nothing, before two rows are tallied."""

    items: tuple[Finding, ...] = ()
    effective_n: float | None = None
    contrasts: tuple[Contrast, ...] = ()
    df: float | None = None


def describe_weighting(margins: Mapping[str, Mapping[str, float]] | None) -> str:
    """How weighted estimates were made, in words: post-stratified (one margin) or raked."""
    listed = " and ".join(margins or {})
    if margins and len(margins) == 1:
        return f"post-stratified to the panel's composition by {listed}"
    return f"raked to the panel's composition by {listed}"


def analyse(
    form: Form,
    frame: pl.DataFrame,
    *,
    instances: pl.DataFrame | None = None,
    panel_size: int | None = None,
    margins: Mapping[str, Mapping[str, float]] | None = None,
    profile: Sequence[str] | None = None,
    contrast_items: Sequence[str] | None = None,
    alpha: float = 0.05,
    closes_on: dt.date | None = None,
    computed_at: dt.datetime | None = None,
    exact_up_to: int | None = EXACT_UP_TO,
) -> Findings:
    """The findings of a snapshot frame (``analysis.frame``) of complete responses to `form`
    (and, for a form with repeats, of the snapshot's `instances`).

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
    return analysis.update(frame, instances).findings(
        panel_size=panel_size,
        margins=margins,
        alpha=alpha,
        closes_on=closes_on,
        computed_at=computed_at,
    )
