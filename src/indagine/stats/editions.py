"""The change of an estimate between two editions of a survey: independent samples, each of its
own design (its weights, strata, clusters and finite population corrections).

R's survey does it by putting both editions in one design, each edition its own strata, so that
their variances add, and testing the difference of the edition's domain means (`svycontrast` of
`svyby`; `svyttest`, whose t has the design's degrees of freedom less one). Here each edition's
estimate and standard error come from its own design, which is the same thing: the difference's
variance is the sum, its degrees of freedom the sum less one (tests/stats/data/reference.R,
agreement to 1e-10).

At the close, the changes of every matched question are judged together with Holm's step-down
adjustment, so that calling changes clear keeps the chance of any false one at alpha. While the
new edition is still open, its estimate is looked at every day: the change then comes from the
earlier edition's fixed interval and the new one's anytime-valid confidence sequence (each at
alpha / 2), so it is evident only once the two can no longer overlap at any look
(tests/stats/test_editions.py checks the time-uniform error by simulation).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

from indagine.stats.estimates import Estimate
from indagine.stats.intervals import critical_value


@dataclass(frozen=True)
class Change:
    """The change of one estimate from the earlier edition to the later one."""

    what: str
    before: float
    after: float
    difference: float  # after - before
    se: float
    ci_low: float
    ci_high: float
    level: float
    df: float
    t: float
    p: float  # two-sided, of the design-based t-test

    @property
    def evident(self) -> bool:
        """Does the interval leave out no change (before any adjustment across questions)? Never
        without a standard error to judge by."""
        return self.se > 0 and (self.ci_low > 0 or self.ci_high < 0)


def change(
    before: Estimate, before_df: float, after: Estimate, after_df: float, level: float = 0.95
) -> Change:
    """The difference after - before of two independent editions' estimates, with its
    standard error, t-test and interval (df: each design's degrees of freedom)."""
    difference = after.estimate - before.estimate
    se = math.hypot(before.se, after.se)
    df = max(before_df + after_df - 1, 1.0)
    if se > 0:
        t = difference / se
        p = float(2 * scipy_stats.t.sf(abs(t), df))
    else:  # no variance to test against: no evidence either way, never a clear change
        t, p = math.nan, 1.0
    margin = critical_value(level, df) * se
    return Change(
        after.what,
        before.estimate,
        after.estimate,
        difference,
        se,
        difference - margin,
        difference + margin,
        level,
        df,
        t,
        p,
    )


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (R's p.adjust(p, "holm")), in the order given."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def judged(changes: Sequence[Change], alpha: float = 0.05) -> list[bool]:
    """Which changes are clear at the close: Holm-adjusted p below alpha, across them all."""
    return [p < alpha for p in holm([c.p for c in changes])]


@dataclass(frozen=True)
class OpenChange:
    """A change while the later edition is open: bounds valid at every look at once."""

    difference: float
    lower: float
    upper: float
    alpha: float

    @property
    def evident(self) -> bool:
        return self.lower > 0 or self.upper < 0


def while_open(
    before: Estimate,
    before_df: float,
    after_estimate: float,
    after_lower: float,
    after_upper: float,
    alpha: float = 0.05,
) -> OpenChange:
    """The change from a closed edition's estimate (its interval at 1 - alpha/2) to an open
    edition's, given the open one's confidence sequence at 1 - alpha/2 at this look: the
    widest differences both allow. Valid at every look at once, as the sequence is."""
    margin = critical_value(1 - alpha / 2, before_df) * before.se
    return OpenChange(
        after_estimate - before.estimate,
        after_lower - (before.estimate + margin),
        after_upper - (before.estimate - margin),
        alpha,
    )
