"""Statistics over the instances of a repeat group (XLSForm ``begin_repeat``), the response the
cluster of its instances.

A respondent may give several instances of a group of questions (one per site, per colleague).
Each instance belongs to one response, a row of the response-level `Design`, and takes that
row's weight, stratum, PSU and sampling fraction: the response's instances were sampled with it,
together, so they form one cluster (Lumley 2010, *Complex Surveys*, §3.1 on one-stage cluster
samples; as ``svydesign(ids = ~response, ...)`` on one row per instance).

A share or mean over instances is a ratio of two response-level totals: sum of w y over the
instances that answered, over sum of w over them. Its linearised influence value is summed over
each response's instances, z_i = (y_i - R x_i) / X with y_i the response's total and x_i its
count of answering instances, and the design's usual variance of a total of z follows
(``svyratio``; Wolter 2007, §6.5). Working at the response level keeps a response with no
instance a sampled PSU of the design (with z = 0), as it is: it was asked and gave none. It also
takes calibration residuals where the calibration was made, among responses.

Instances that did not answer are outside the base of that answer, a domain on the full design;
a response none of whose instances answered holds no PSU of the domain's degrees of freedom
(``survey::degf`` of ``subset(design, ...)``, as ``ranking`` does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from indagine.stats.categories import encode
from indagine.stats.design import Design
from indagine.stats.errors import ErrorCode, StatsError
from indagine.stats.estimates import (
    Distribution,
    Estimate,
    Shares,
    domain_mask,
    excluded_counts,
    mean,
    numeric,
    share_estimates,
)
from indagine.stats.intervals import IntervalMethod, wald
from indagine.stats.ranking import domain_degrees_of_freedom
from indagine.stats.variance import covariance, group_sums

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]

CLUSTERED = "instances clustered by response"


@dataclass(frozen=True)
class _Instances:
    """How the intervals of shares over instances see the design (`DesignLike`): the domain's
    degrees of freedom, and the fallback n of the responses that hold the base, since a
    response's instances may be alike and so count, at worst, as one."""

    design: Design
    degrees_of_freedom: int
    responses_weight: float
    instances_weight: float

    def described(self) -> str:
        return f"{self.design.described()}, {CLUSTERED}"

    def fallback_n(self) -> float:
        total = self.design.total_weight()
        share = min(self.responses_weight / total, 1.0) if total > 0 else 1.0
        return self.design.fallback_n() * share

    def total_weight(self) -> float:
        # The shares' own weighted n: base_fallback_n then takes fallback_n() whole.
        return self.instances_weight


def owners(design: Design, owner: Any) -> IntArray:
    """The row of the design each instance belongs to, checked: whole numbers in 0..n-1."""
    values = np.asarray(owner)
    if values.ndim != 1 or (values.size and not np.issubdtype(values.dtype, np.integer)):
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail="owner must be a column of row numbers")
    rows = values.astype(np.intp)
    if rows.size and (int(rows.min()) < 0 or int(rows.max()) >= design.n):
        detail = f"owner must name rows 0..{design.n - 1} of the design"
        raise StatsError(ErrorCode.BAD_ARGUMENT, detail=detail)
    return rows


def instance_counts(design: Design, owner: Any) -> IntArray:
    """The number of instances of each response (0 for those that gave none)."""
    return np.bincount(owners(design, owner), minlength=design.n).astype(np.intp)


def instances_per_response(
    design: Design, owner: Any, *, what: str = "repeat", domain: Any = None, level: float = 0.95
) -> Estimate:
    """The mean number of instances per response, those with none included: an ordinary mean
    over the responses with its linearised SE and normal interval (``svymean``)."""
    counts = instance_counts(design, owner).astype(np.float64)
    estimate = mean(design, counts, what=f"instances of {what}", domain=domain, level=level)
    return replace(estimate, what=f"instances of {what} per response", base="all responses")


def _check(owner: IntArray, values: npt.NDArray[Any], what: str) -> None:
    if values.shape[0] != owner.size:
        raise StatsError(
            ErrorCode.LENGTH_MISMATCH, what=what, got=values.shape[0], expected=owner.size
        )


def _base(design: Design, owner: IntArray, answered: BoolArray, domain: Any) -> BoolArray:
    """The instances in the base: answered, of a response in the domain."""
    return answered & domain_mask(design, domain)[owner]


def _ratio_shares(
    design: Design, owner: IntArray, values: FloatArray, base: BoolArray, what: str
) -> Shares:
    """Ratios sum w y / sum w over the base instances (one per column of `values`, n_inst x k),
    their covariance from each response's summed influence values (see the module's docstring)."""
    w = np.where(base, design.weights[owner], 0.0)
    total_w = float(w.sum())
    if not total_w > 0:
        raise StatsError(ErrorCode.EMPTY_BASE, what=what)
    y = np.where(base[:, None], values, 0.0)
    ratio = w @ y / total_w
    influence = w[:, None] * (y - ratio) / total_w
    per_response = group_sums(owner, influence, design.n)
    return Shares(ratio, covariance(design, per_response), int(base.sum()), total_w)


def _share_distribution(
    design: Design,
    owner: IntArray,
    indicators: FloatArray,
    labels: Sequence[str],
    answered: BoolArray,
    *,
    what: str,
    domain: Any,
    ci: IntervalMethod,
    level: float,
) -> Distribution:
    """Shares of instances (columns of 0/1 `indicators`) over the base, as a `Distribution`."""
    base = _base(design, owner, answered, domain)
    result = _ratio_shares(design, owner, indicators, base, what)
    holding = np.zeros(design.n, dtype=bool)
    holding[owner[base]] = True
    basis = _Instances(
        design,
        domain_degrees_of_freedom(design, holding),
        float(design.weights[holding].sum()),
        result.weighted_n,
    )
    base_text = f"instances that answered {what}"
    skipped = int(_base(design, owner, ~answered, domain).sum())
    excluded = (("skipped", skipped),) if skipped else ()
    estimates = share_estimates(
        basis, result, labels, what=what, base=base_text, ci=ci, level=level
    )
    estimates = tuple(replace(e, excluded=excluded) for e in estimates)
    return Distribution(what, estimates, result.n, result.weighted_n, base_text, excluded)


def instance_proportions(
    design: Design,
    owner: Any,
    answers: Any,
    *,
    what: str = "item",
    levels: Sequence[str] | None = None,
    not_answers: Sequence[str] = ("don't know", "prefer not to say"),
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Distribution:
    """The share of instances giving each answer of a single-choice question, over the instances
    that answered ("don't know" and skipped ones out of the base, as ``proportions`` does), with
    linearised SEs and (by default) ``svyciprop(method="logit")`` intervals on the domain's
    degrees of freedom. ``domain`` is a mask of responses (a segment)."""
    rows = owners(design, owner)
    raw = encode(answers)
    _check(rows, raw.codes, what)
    dropped = [label for label in raw.labels if label in set(not_answers)]
    coded = encode(answers, [label for label in (levels or raw.labels) if label not in dropped])
    indicators = (coded.codes[:, None] == np.arange(coded.size)).astype(np.float64)
    result = _share_distribution(
        design,
        rows,
        indicators,
        coded.labels,
        ~coded.missing,
        what=what,
        domain=domain,
        ci=ci,
        level=level,
    )
    if not dropped:
        return result
    # Say how many gave each answer left out, not only "skipped", as proportions does.
    excluded = excluded_counts(coded, raw, domain_mask(design, domain)[rows], dropped)
    base_text = f"{result.base}, excluding {', '.join(dropped)}"
    shares = tuple(replace(e, base=base_text, excluded=excluded) for e in result.shares)
    return replace(result, shares=shares, base=base_text, excluded=excluded)


def instance_multiple_choice(
    design: Design,
    owner: Any,
    selected: Mapping[str, Any],
    *,
    what: str = "item",
    domain: Any = None,
    ci: IntervalMethod = "logit",
    level: float = 0.95,
) -> Distribution:
    """The share of instances choosing each option of a multiple choice (columns of 1, 0 and
    NaN per option), over the instances that answered (any option not NaN)."""
    rows = owners(design, owner)
    labels = list(selected)
    matrix = np.column_stack([numeric(selected[lab], f"{what}/{lab}") for lab in labels])
    _check(rows, matrix, what)
    answered = np.asarray(~np.isnan(matrix).all(axis=1), dtype=np.bool_)
    chosen = (np.nan_to_num(matrix) > 0).astype(np.float64)
    return _share_distribution(
        design, rows, chosen, labels, answered, what=what, domain=domain, ci=ci, level=level
    )


def instance_mean(
    design: Design,
    owner: Any,
    y: Any,
    *,
    what: str = "y",
    domain: Any = None,
    level: float = 0.95,
) -> Estimate:
    """The mean of a numeric answer over the instances that answered: the ratio of the
    responses' totals to their counts of answers (``svyratio``), with its linearised SE and a
    normal interval (as ``confint(svymean(...))``)."""
    rows = owners(design, owner)
    values = numeric(y, what)
    _check(rows, values, what)
    answered = ~np.isnan(values)
    base = _base(design, rows, answered, domain)
    result = _ratio_shares(design, rows, values[:, None], base, what)
    estimate, se = float(result.p[0]), float(np.sqrt(max(result.cov[0, 0], 0.0)))
    interval = wald(np.array(estimate), np.array(se), level)
    skipped = int(_base(design, rows, ~answered, domain).sum())
    return Estimate(
        f"mean of {what} over instances",
        estimate,
        se,
        float(interval.low),
        float(interval.high),
        level,
        f"wald interval; taylor linearisation, {design.described()}, {CLUSTERED}",
        result.n,
        result.weighted_n,
        f"instances that answered {what}",
        (("skipped", skipped),) if skipped else (),
    )
