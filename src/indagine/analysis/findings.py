"""Findings: what the answers say, question by question, with the numbers behind each claim.

This is the contract between the analysis (answers -> findings, through `indagine.stats`) and
everything that shows findings to people: the dashboard, the report and the newsletter.
Pure data: frozen dataclasses, no I/O. Texts are per language code ("it", "en").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from indagine.stats.estimates import Estimate

Texts = Mapping[str, str]
Side = Literal["above", "below"]


@dataclass(frozen=True)
class Bound:
    """The anytime-valid confidence sequence at the current n (its running intersection)."""

    low: float
    high: float
    method: str
    asymptotic: bool = False


@dataclass(frozen=True)
class Moments:
    """The sums an asymptotic sequence's last look needs: n, Σw, Σwy, Σw², Σw²y, Σw²y², and
    the lowest and highest value (Σ over the answers; w = 1 unweighted)."""

    n: int
    sw: float
    swy: float
    s2: float
    s2y: float
    s2yy: float
    low: float
    high: float


@dataclass(frozen=True)
class Base:
    """Who was asked: everyone, or those meeting a condition (a question's `relevant`)."""

    n: int  # respondents in the base who answered
    asked: int  # respondents to whom the question applied
    condition: str | None = None  # the XLSForm expression, None for everyone
    # the group as words ("tra chi ha spostato il personale in remote working"), per language
    description: Texts = field(default_factory=dict)
    # the question and answers that define it, when the condition names one question's choices
    on_question: str | None = None
    on_choices: tuple[str, ...] = ()
    excluded: tuple[tuple[str, int], ...] = ()  # e.g. (("don't know", 3), ("skipped", 5))
    # a finding over a repeat's instances: n and asked count instances, this the responses
    # the n instances come from (None for a finding over respondents)
    responses: int | None = None

    @property
    def conditional(self) -> bool:
        return self.condition is not None

    @property
    def respondents(self) -> int:
        """How many respondents the finding rests on (a minimum group size is about them)."""
        return self.responses if self.responses is not None else self.n


@dataclass(frozen=True)
class Quantity:
    """One number a sentence can state, with its interval, sequence and decision."""

    estimate: Estimate  # a share in [0, 1], or a mean on the question's own scale
    kind: Literal["share", "mean", "percent"]  # percent: a mean of a 0-100 question
    threshold: float  # what the finding is about: 0.5 for a share, the scale's midpoint
    sequence: Bound | None = None
    consolidated: Side | None = None  # the sequence lies entirely on this side of threshold
    scale: tuple[float, float] | None = None  # lowest and highest score, for means
    # the sums its sequence was made from: another sequence at another level (an edition's
    # change while it is open, `analysis.editions`) comes from them without the rows
    moments: Moments | None = None


@dataclass(frozen=True)
class RankedItem:
    """One item of a ranking question: its mean rank (1 = first; an item a partial ranking
    leaves out takes the mean of the places left) and the share ranking it first, both over
    those who answered. Their thresholds are what an indifferent respondent gives: the middle
    place, (k + 1)/2, and 1/k."""

    name: str
    label: Texts
    mean_rank: Quantity  # kind "mean", scale (1, k)
    first: Quantity  # kind "share"


@dataclass(frozen=True)
class Finding:
    """A question's finding. For a scale item: the share on the upper half of the scale
    ("agree" = scores above the midpoint) and the mean score; for a single choice with a
    claim and scores, the same; for a number: its mean; for choices: each choice's share;
    for a ranking: each item's mean rank and share ranked first (`ranks`).

    A finding with `repeat` set is over a repeat's instances (``analysis.repeats``): the
    shares of instances giving each answer, the mean over instances (kinds "choice",
    "multiple", "number", `key` the question's name) or, keyed by the repeat's name, the mean
    number of instances per response (kind "number"). Their quantities claim no threshold."""

    key: str  # stable: the question name
    question: str
    label: Texts
    claim: Texts  # from claim::<lang>, else the label
    kind: Literal["scale", "choice", "multiple", "number", "ranking"]
    base: Base
    share: Quantity | None = None  # upper half of a scale: the headline share
    mean: Quantity | None = None  # mean score (scale) or mean value (number)
    positive: tuple[str, ...] = ()  # the choices counted in `share`
    choices: tuple[tuple[str, Texts, Estimate], ...] = ()  # (name, label, share) each
    group: str | None = None  # the choices list shared by comparable items (for rankings)
    ranks: tuple[RankedItem, ...] = ()  # a ranking question's items, lowest mean rank first
    repeat: str = ""  # the repeat whose instances the finding counts ('' for respondents)


@dataclass(frozen=True)
class Ranking:
    """Items sharing one scale, ranked by their share on its upper half."""

    group: str
    items: tuple[str, ...]  # finding keys, strongest first
    # how many of the top items are clearly ahead of every item after them (their
    # intervals do not overlap the next one's): 0 means the data do not separate a leader
    separated: int


@dataclass(frozen=True)
class Contrast:
    """A finding that differs significantly across a profile question (Rao-Scott test)."""

    finding: str  # finding key
    by: str  # profile question name
    by_label: Texts
    p_value: float
    statistic: float  # Rao-Scott F
    ndf: float
    ddf: float
    # the segment that departs most from the whole, its label and its share
    segment: str
    segment_label: Texts
    segment_share: Estimate
    overall_share: Estimate


@dataclass(frozen=True)
class Findings:
    form_id: str
    title: Texts
    n: int  # complete responses analysed
    panel_size: int | None  # N, when known: the finite population correction applies
    response_rate: float | None
    margin_of_error: float | None  # half-width of a 50% share at 95%, FPC included
    weighted: bool
    weighting: str  # "unweighted", or how (e.g. "raked to org_type and cc_size")
    alpha: float
    items: tuple[Finding, ...]
    rankings: tuple[Ranking, ...] = ()
    contrasts: tuple[Contrast, ...] = ()
    computed_at: dt.datetime | None = None
    closes_on: dt.date | None = None
    df: float | None = None  # the design's degrees of freedom (PSUs less strata)

    def finding(self, key: str) -> Finding | None:
        return next((f for f in self.items if f.key == key), None)
