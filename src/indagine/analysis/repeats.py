"""Findings over the instances of a form's repeats (XLSForm ``begin_repeat``): for each repeat,
the mean number of its instances per response, over the responses it applied to; for each
single choice, multiple choice and number asked in it, the shares or the mean over instances,
the response the cluster of its instances (``stats.instances``, checked against R's survey).

The design is the response-level findings' own, made on the rows: a simple random sample (with
the finite population correction given the panel's size), post-stratified or raked to the same
margins (``stats.weighting``), whose weights are those ``analysis.basis`` gives each cell. These
estimates are not tallied by cells as the others are: a ratio over clusters needs each
response's totals, so the rows seen so far are gathered (`Gathered`: a few columns per response,
and the instances) and the estimates are made on them when asked for, for forms with repeats
only. They carry no confidence sequence: none is established for a ratio over clusters, so no
finding over instances is called consolidated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from indagine.forms.model import Form, Question, QuestionType, Repeat
from indagine.stats.design import Design, survey_design
from indagine.stats.estimates import Estimate
from indagine.stats.instances import (
    instance_mean,
    instance_multiple_choice,
    instance_proportions,
    instances_per_response,
)
from indagine.stats.weighting import post_stratify, rake

from .basis import MAX_ITERATIONS, TOLERANCE
from .conditions import ITALIAN
from .findings import Base, Finding, Quantity, Texts
from .frame import ID, NUMBERS, REPEAT, asked_in, choice_column, stack

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]
_OWNER = "_owner"
# The words of the labels and bases (the pure core has no catalogs: Italian, else English).
_ENTRY = {ITALIAN: ("voce", "voci"), "en": ("entry", "entries")}
_RESPONSE = {ITALIAN: ("risposta", "risposte"), "en": ("response", "responses")}


@dataclass(frozen=True, eq=False)
class Gathered:
    """What the findings over instances need of the rows seen so far: per response its id, its
    answers to the margin questions (as text) and each repeat's count; the instances of those
    responses."""

    responses: pl.DataFrame
    instances: pl.DataFrame

    @classmethod
    def of(
        cls, form: Form, rows: pl.DataFrame, instances: pl.DataFrame, margins: Sequence[str]
    ) -> Gathered:
        """The part of a snapshot's frame `rows` (and of its instances, any of them) kept."""
        kept = [pl.col(ID), *(pl.col(m).cast(pl.String) for m in margins), *form.repeats()]
        theirs = instances.join(rows.select(ID), on=ID, how="semi")
        return cls(rows.select(kept), theirs)

    def __add__(self, other: Gathered) -> Gathered:
        return Gathered(
            stack(self.responses, other.responses), stack(self.instances, other.instances)
        )


def response_design(
    responses: pl.DataFrame,
    panel_size: int | None,
    margins: Mapping[str, Mapping[str, float]] | None,
) -> Design:
    """The design of the responses, as ``analysis.basis`` makes it on the cells."""
    n = responses.height
    design = survey_design(n, fpc=panel_size) if panel_size else survey_design(n)
    if not margins:
        return design
    data = {name: responses.get_column(name).cast(pl.String) for name in margins}
    if len(margins) == 1:
        (name, population), *_ = margins.items()
        return post_stratify(design, name, data[name], population).design
    raked = rake(design, data, margins, tolerance=TOLERANCE, max_iterations=MAX_ITERATIONS)
    return raked.design


@dataclass(frozen=True, eq=False)
class _Instances:
    """One repeat's instances among the design's responses, each with its response's row."""

    form: Form
    repeat: Repeat
    design: Design
    rows: pl.DataFrame
    owner: IntArray
    level: float

    @property
    def languages(self) -> list[str]:
        return list(self.form.languages) or [self.form.default_language]

    def named(self, texts: Mapping[str, str], lang: str, fallback: str) -> str:
        values = dict(texts)
        return values.get(lang) or values.get(self.form.default_language) or fallback


def repeat_findings(
    form: Form,
    gathered: Gathered,
    *,
    panel_size: int | None,
    margins: Mapping[str, Mapping[str, float]] | None,
    level: float,
) -> dict[str, Finding]:
    """Each repeat's finding of instances per response (keyed by the repeat's name) and its
    questions' findings over instances (keyed by the question's name)."""
    responses = gathered.responses
    design = response_design(responses, panel_size, margins)
    rows_of = responses.select(ID).with_row_index(_OWNER)
    out: dict[str, Finding] = {}
    for name, repeat in form.repeats().items():
        mine = gathered.instances.filter(pl.col(REPEAT) == name)
        rows = mine.join(rows_of, on=ID, maintain_order="left")  # sums in one order: the same
        owner = rows.get_column(_OWNER).cast(pl.Int64).to_numpy().astype(np.intp)
        ctx = _Instances(form, repeat, design, rows, owner, level)
        applied = responses.get_column(name).is_not_null().to_numpy()
        if (count := _per_response(ctx, np.asarray(applied, dtype=bool))) is not None:
            out[name] = count
        for question in asked_in(form, name):
            if (found := _over_instances(ctx, question)) is not None:
                out[question.name] = found
    return out


def in_form_order(
    form: Form, asked_once: Sequence[Finding], over_instances: Mapping[str, Finding]
) -> tuple[Finding, ...]:
    """Every finding in the questionnaire's order: a repeat's count where its questions start,
    then theirs."""
    once = {f.key: f for f in asked_once}
    ordered: list[Finding | None] = []
    placed: set[str] = set()
    for question in form.questions():
        if question.repeat and question.repeat not in placed:
            placed.add(question.repeat)
            ordered.append(over_instances.get(question.repeat))
        ordered.append((over_instances if question.repeat else once).get(question.name))
    ordered += [over_instances.get(name) for name in form.repeats() if name not in placed]
    return tuple(f for f in ordered if f is not None)


def _counted(n: int, words: Mapping[str, tuple[str, str]], lang: str) -> str:
    one, many = words.get(lang, words["en"])
    return f"{n} {one if n == 1 else many}"


def _per_response(ctx: _Instances, applied: npt.NDArray[np.bool_]) -> Finding | None:
    """The mean number of instances per response, over the responses the repeat applied to
    (those that gave none among them)."""
    n = int(applied.sum())
    if n == 0:
        return None
    name = ctx.repeat.name
    estimate = instances_per_response(
        ctx.design, ctx.owner, what=name, domain=applied, level=ctx.level
    )
    label, description = {}, {}
    for lang in ctx.languages:
        called = ctx.named(ctx.repeat.label.values, lang, name)
        entries = _counted(int(ctx.owner.size), _ENTRY, lang)
        responses = _counted(n, _RESPONSE, lang)
        if lang == ITALIAN:
            label[lang] = f"{called}: voci per risposta"
            description[lang] = (
                f"media per risposta: {entries} da {responses} a cui «{called}» si applicava"
            )
        else:
            label[lang] = f"{called}: entries per response"
            description[lang] = (
                f"mean per response: {entries} from {responses} “{called}” applied to"
            )
    base = Base(
        n=n,
        asked=n,
        condition=ctx.repeat.relevant or None,
        description=description,
        responses=n,
    )
    mean = Quantity(estimate=estimate, kind="mean", threshold=math.nan)
    return Finding(name, name, label, label, "number", base, mean=mean, repeat=name)


def _over_instances(ctx: _Instances, question: Question) -> Finding | None:
    """A question's shares or mean over the instances that answered it (None: no answer, or
    a kind that carries no finding: texts, dates, calculations; a repeat holds no ranking)."""
    kind = question.type
    if kind is QuestionType.SELECT_ONE and question.choices:
        return _choice(ctx, question)
    if kind is QuestionType.SELECT_MULTIPLE and question.choices:
        return _multiple(ctx, question)
    if kind in NUMBERS:
        return _number(ctx, question)
    return None


def _choice(ctx: _Instances, question: Question) -> Finding | None:
    """Each choice's share of the instances that answered (every choice in the base, as for a
    single choice asked once; a name the form no longer offers is no answer)."""
    names = [c.name for c in question.choices]
    values = ctx.rows.get_column(question.name).cast(pl.String)
    answered = np.asarray(values.is_in(names).fill_null(False).to_numpy(), dtype=bool)
    if not answered.any():
        return None
    # Missing as "" (which the engine reads as no answer): an object array starting with None
    # is not read as text by ``stats.categories.encode``.
    shares = instance_proportions(
        ctx.design,
        ctx.owner,
        values.fill_null("").to_numpy(),
        what=question.name,
        levels=names,
        not_answers=(),
        level=ctx.level,
    )
    return _listing(ctx, question, "choice", answered, shares.shares)


def _multiple(ctx: _Instances, question: Question) -> Finding | None:
    """Each choice's share of the instances that answered, ticked (1), not (0) or no answer."""
    columns = [choice_column(question.name, c.name) for c in question.choices]
    ticks = ctx.rows.select(pl.col(c).cast(pl.Float64).fill_null(math.nan) for c in columns)
    matrix = ticks.to_numpy().reshape(ctx.rows.height, len(columns))
    answered = ~np.isnan(matrix).all(axis=1)
    if not answered.any():
        return None
    selected = {c.name: matrix[:, j] for j, c in enumerate(question.choices)}
    chosen = instance_multiple_choice(
        ctx.design, ctx.owner, selected, what=question.name, level=ctx.level
    )
    return _listing(ctx, question, "multiple", answered, chosen.shares)


def _number(ctx: _Instances, question: Question) -> Finding | None:
    """The mean over the instances that answered. No threshold: a count or a size per site has
    no midpoint to be above or below."""
    column = ctx.rows.get_column(question.name).cast(pl.Float64).fill_null(math.nan)
    values = np.asarray(column.to_numpy(), dtype=np.float64)
    answered = ~np.isnan(values)
    if not answered.any():
        return None
    estimate = instance_mean(ctx.design, ctx.owner, values, what=question.name, level=ctx.level)
    label, base = _texts(ctx, question, estimate, answered)
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=label,
        kind="number",
        base=base,
        mean=Quantity(estimate=estimate, kind="mean", threshold=math.nan),
        repeat=ctx.repeat.name,
    )


def _listing(
    ctx: _Instances,
    question: Question,
    kind: str,
    answered: npt.NDArray[np.bool_],
    shares: Sequence[Estimate],
) -> Finding:
    label, base = _texts(ctx, question, shares[0], answered)
    return Finding(
        key=question.name,
        question=question.name,
        label=label,
        claim=label,
        kind=kind,  # type: ignore[arg-type]
        base=base,
        choices=tuple(
            (c.name, dict(c.label.values), est)
            for c, est in zip(question.choices, shares, strict=True)
        ),
        repeat=ctx.repeat.name,
    )


def _texts(
    ctx: _Instances, question: Question, estimate: Estimate, answered: npt.NDArray[np.bool_]
) -> tuple[Texts, Base]:
    """The label ("Sede: Città") and the base (instances, and the responses they come from)
    of a finding over instances, in each language of the form."""
    n = estimate.n
    responses = int(np.unique(ctx.owner[answered]).size)
    label, description = {}, {}
    for lang in ctx.languages:
        called = ctx.named(ctx.repeat.label.values, lang, ctx.repeat.name)
        asked = ctx.named(question.label.values, lang, question.name)
        label[lang] = f"{called}: {asked}"
        entries = f"{_counted(n, _ENTRY, lang)} {'da' if lang == ITALIAN else 'from'} "
        entries += _counted(responses, _RESPONSE, lang)
        if lang == ITALIAN:
            description[lang] = f"conta ogni voce di «{called}», non ogni risposta: {entries}"
        else:
            description[lang] = f"counts each entry of “{called}”, not each response: {entries}"
    # A condition of its own (beyond the repeat's, which every instance met) leaves unknown
    # which unanswered instances were asked: as for a question asked once, none is "skipped".
    own = bool(question.relevant) and question.relevant != ctx.repeat.relevant
    base = Base(
        n=n,
        asked=n if own else ctx.rows.height,
        condition=question.relevant or None,
        description=description,
        excluded=() if own else estimate.excluded,
        responses=responses,
    )
    return label, base
