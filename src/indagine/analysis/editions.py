"""Findings compared across a survey's editions: each matched question's figure in every
edition, and its change since the edition before, judged "clear" or "not evident".

The figures: a question's headline share (a scale's upper half, a claim's choices) or mean,
and each choice's share of a question of choices. An edition known only from its published
tables gives shares alone, read as a simple random sample of its n (said so where shown).

Judging (`stats.editions`): at the close, every change of this edition is tested and the tests
adjusted together with Holm's method, so that the chance of calling any change clear that is not
stays at alpha. While this edition is open, a headline figure's change is clear only when the
closed edition's interval and this one's anytime-valid sequence (each at alpha / 2) can no
longer overlap, so looking every day does not inflate the error; a choice's share, which keeps
no sequence, is judged only at the close.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from indagine.stats.editions import Change, OpenChange, change, holm, while_open
from indagine.stats.estimates import Estimate
from indagine.stats.intervals import critical_value

from .anytime import asymptotic_from_sums
from .findings import Finding, Findings, Quantity, Texts

MIN_N = 10
"""Answers an edition's figure needs in each of two editions for their change to be judged."""


@dataclass(frozen=True)
class Earlier:
    """An edition before this one: its findings (a survey's) or its published tables, and
    each question of this edition's name in it ('' when it was not asked)."""

    label: str
    names: Mapping[str, str]
    findings: Findings | None = None
    tables: Mapping[str, Mapping[str, object]] | None = None  # {question: {n, shares}}


@dataclass(frozen=True)
class Point:
    edition: str
    estimate: Estimate | None  # None: not asked in that edition, or counted otherwise
    from_tables: bool = False
    position: int = 0  # the edition's place in the line, 0 the oldest (labels may repeat)


@dataclass(frozen=True)
class Trend:
    """One figure of one question across the editions, oldest first, this one last."""

    key: str  # the question's name in this edition
    label: Texts
    claim: Texts
    kind: Literal["share", "mean"]
    choice: str  # the choice whose share it is; '' for a headline share or a mean
    choice_label: Texts
    positive: tuple[str, ...]  # the choices a headline share counts
    points: tuple[Point, ...]  # the editions that have the figure, this one last
    change: Change | None = None  # since the edition before, when it has the figure
    open_change: OpenChange | None = None  # the same, valid at every look (edition open)
    clear: bool = False
    judged: Literal["close", "anytime", "later"] = "close"

    @property
    def before(self) -> Point | None:
        """The edition before's figure, if it has one."""
        previous = self.points[-2] if len(self.points) > 1 else None
        return previous if previous is not None and previous.estimate is not None else None


def trends(
    current: Findings,
    label: str,
    earlier: Sequence[Earlier],
    *,
    is_open: bool,
    alpha: float = 0.05,
) -> tuple[Trend, ...]:
    """Every figure of this edition's findings that an earlier edition also has, across the
    editions (`earlier` oldest first), with its change since the one before, judged."""
    found: list[Trend] = []
    for finding in current.items:
        if finding.repeat or finding.kind == "ranking":
            continue
        for figure in _figures(finding):
            shown = [
                replace(_point(edition, finding, figure), position=i)
                for i, edition in enumerate(earlier)
            ]
            now = Point(label, figure.estimate, position=len(earlier))
            points = (*(p for p in shown if p.estimate is not None), now)
            if len(points) > 1:  # an edition before has the figure
                found.append(_trend(finding, figure, points))
    return _judge(found, current, earlier, is_open=is_open, alpha=alpha)


@dataclass(frozen=True)
class _Figure:
    kind: Literal["share", "mean"]
    choice: str
    choice_label: Texts
    estimate: Estimate
    quantity: Quantity | None


def _figures(finding: Finding) -> list[_Figure]:
    out = []
    if finding.share is not None:
        out.append(_Figure("share", "", {}, finding.share.estimate, finding.share))
    elif finding.mean is not None:
        out.append(_Figure("mean", "", {}, finding.mean.estimate, finding.mean))
    if finding.kind in ("choice", "multiple") and finding.share is None:
        for name, texts, estimate in finding.choices:
            out.append(_Figure("share", name, texts, estimate, None))
    return out


def _trend(finding: Finding, figure: _Figure, points: tuple[Point, ...]) -> Trend:
    return Trend(
        finding.key,
        finding.label,
        finding.claim,
        figure.kind,
        figure.choice,
        figure.choice_label,
        finding.positive if not figure.choice else (),
        points,
    )


def _point(edition: Earlier, finding: Finding, figure: _Figure) -> Point:
    """The same figure in an earlier edition, if it was asked there and counts the same."""
    name = edition.names.get(finding.key, "")
    if not name:
        return Point(edition.label, None)
    if edition.findings is not None:
        return Point(edition.label, _from_findings(edition.findings, name, finding, figure))
    tables = (edition.tables or {}).get(name)
    if tables is None or figure.kind != "share":
        return Point(edition.label, None)
    return Point(edition.label, _from_tables(tables, finding, figure), from_tables=True)


def _from_findings(
    findings: Findings, name: str, finding: Finding, figure: _Figure
) -> Estimate | None:
    then = findings.finding(name)
    if then is None or not _same_base(then, finding):
        return None
    if figure.choice:
        return next((e for c, _t, e in then.choices if c == figure.choice), None)
    if figure.kind == "share":
        same = then.share is not None and set(then.positive) == set(finding.positive)
        return then.share.estimate if same and then.share is not None else None
    return then.mean.estimate if then.mean is not None and finding.kind == then.kind else None


def _same_base(then: Finding, now: Finding) -> bool:
    """Asked of the same people: everyone in both, or the same group described alike (a share
    of those who said yes is no share of everyone)."""
    if then.base.conditional != now.base.conditional:
        return False
    return not now.base.conditional or dict(then.base.description) == dict(now.base.description)


def _from_tables(
    tables: Mapping[str, object], finding: Finding, figure: _Figure
) -> Estimate | None:
    """A published share, read as a simple random sample of its n (SE sqrt(p(1-p)/n))."""
    shares = tables.get("shares")
    n = tables.get("n")
    if not isinstance(shares, Mapping) or not isinstance(n, int) or n < 2:
        return None
    wanted = (figure.choice,) if figure.choice else finding.positive
    if not wanted or any(c not in shares for c in wanted):
        return None
    p = float(sum(float(shares[c]) for c in wanted))
    se = math.sqrt(max(p * (1 - p), 0.0) / n)
    margin = critical_value(0.95, n - 1) * se
    return Estimate(
        figure.estimate.what,
        p,
        se,
        max(p - margin, 0.0),
        min(p + margin, 1.0),
        0.95,
        "published table, read as a simple random sample",
        n,
        float(n),
    )


def _df(findings: Findings | None, estimate: Estimate) -> float:
    if findings is not None and findings.df is not None:
        return findings.df
    return float(max(estimate.n - 1, 1))


def _judge(
    found: list[Trend],
    current: Findings,
    earlier: Sequence[Earlier],
    *,
    is_open: bool,
    alpha: float,
) -> tuple[Trend, ...]:
    """Each trend's change since the edition before and whether it is clear."""
    previous = earlier[-1] if earlier else None
    changed: list[Trend] = []
    for trend in found:
        before, now = trend.before, trend.points[-1].estimate
        # only against the edition just before, told by its place (two may share a label), and
        # on enough answers in each for the test's normal approximation (MIN_N)
        if before is None or now is None or before.position != len(earlier) - 1:
            changed.append(trend)
            continue
        if min(now.n, before.estimate.n if before.estimate else 0) < MIN_N:
            changed.append(trend)
            continue
        assert before.estimate is not None
        before_df = _df(previous.findings if previous else None, before.estimate)
        then, now = _floored(before.estimate, trend), _floored(now, trend)
        moved = change(then, before_df, now, _df(current, now))
        changed.append(replace(trend, change=moved))
    if not is_open:
        tested = [t for t in changed if t.change is not None]
        adjusted = iter(holm([t.change.p for t in tested if t.change is not None]))
        return tuple(
            replace(t, clear=next(adjusted) < alpha) if t.change is not None else t for t in changed
        )
    out = []
    for trend in changed:
        quantity = _quantity(current, trend)
        if trend.change is None or quantity is None or quantity.moments is None:
            out.append(replace(trend, judged="later"))
            continue
        before = trend.before
        assert before is not None and before.estimate is not None
        low, high = asymptotic_from_sums(quantity.moments, alpha / 2)
        if trend.kind == "share":
            low, high = max(low, 0.0), min(high, 1.0)
        before_df = _df(previous.findings if previous else None, before.estimate)
        then = _floored(before.estimate, trend)
        moving = while_open(then, before_df, quantity.estimate.estimate, low, high, alpha)
        out.append(replace(trend, open_change=moving, clear=moving.evident, judged="anytime"))
    return tuple(out)


def _floored(estimate: Estimate, trend: Trend) -> Estimate:
    """A share's standard error never below Agresti and Coull's, sqrt(p~(1 - p~)/(n + 4)) with
    p~ = (np + 2)/(n + 4): a share of 0% or 100% has a design SE of 0, which would make any
    difference from it "clear" (0 of 3 against 3 of 3 is no evidence of a change)."""
    if trend.kind != "share" or estimate.n <= 0:
        return estimate
    n, p = estimate.n, estimate.estimate
    tilde = (n * p + 2) / (n + 4)
    floor = math.sqrt(tilde * (1 - tilde) / (n + 4))
    return replace(estimate, se=floor) if estimate.se < floor else estimate


def _quantity(current: Findings, trend: Trend) -> Quantity | None:
    if trend.choice:
        return None
    finding = current.finding(trend.key)
    if finding is None:
        return None
    return finding.share if trend.kind == "share" else finding.mean
